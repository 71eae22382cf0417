// Linked into every executable of a ThreadSanitizer build (cmake/sanitizers.cmake), never into
// a release binary, beside cmake/tsan_c11_threads.cc.
//
// librdkafka guards its handle's lists (brokers, topics) with pthread read-write locks that it
// calls itself. tests/tsan.supp lists librdkafka under called_from_lib, so ThreadSanitizer
// skips every interceptor librdkafka calls, and those locks ordered nothing. What that caused:
// rd_kafka_new initialises a broker's mutex (through mtx_init, seen) and adds the broker to the
// handle's list under the write lock (not seen); librdkafka's main thread finds it under the
// read lock (not seen) and takes its mutex, which read as a race with the initialisation.
//
// Defined in the executable, these take precedence (for librdkafka and every other caller) and
// call ThreadSanitizer's interceptors from here, an instrumented frame outside the ignored
// library, so taking and releasing the lock orders threads as for any other caller. Only the
// calls that order are routed: init and destroy stay unseen, as before, because librdkafka
// destroys a topic's lock on the thread that drops the last reference, through reference counts
// ThreadSanitizer cannot see (tests/tsan.supp), and a destroy it modelled would read as a race
// with another thread's last unlock.
#include <pthread.h>

extern "C" {

// ThreadSanitizer's runtime (libtsan) exports its interceptors under these names.
int __interceptor_pthread_rwlock_rdlock(pthread_rwlock_t* lock);
int __interceptor_pthread_rwlock_wrlock(pthread_rwlock_t* lock);
int __interceptor_pthread_rwlock_unlock(pthread_rwlock_t* lock);

}  // extern "C"

namespace {

// The interceptor judges by its caller's address whether the call comes from an ignored
// library. A tail call would make that caller librdkafka again; code after the call keeps this
// frame.
inline int kept_frame(int result) {
  asm volatile("" : "+r"(result));
  return result;
}

}  // namespace

extern "C" {

int pthread_rwlock_rdlock(pthread_rwlock_t* lock) noexcept {
  return kept_frame(__interceptor_pthread_rwlock_rdlock(lock));
}
int pthread_rwlock_wrlock(pthread_rwlock_t* lock) noexcept {
  return kept_frame(__interceptor_pthread_rwlock_wrlock(lock));
}
int pthread_rwlock_unlock(pthread_rwlock_t* lock) noexcept {
  return kept_frame(__interceptor_pthread_rwlock_unlock(lock));
}

}  // extern "C"
