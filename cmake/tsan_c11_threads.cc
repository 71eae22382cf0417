// Linked into every executable of a ThreadSanitizer build (cmake/sanitizers.cmake), never into
// a release binary.
//
// librdkafka (Debian's 2.0.2) threads, locks and waits with C11 <threads.h>: thrd_create,
// mtx_lock, cnd_wait... glibc implements those by calling its internal pthread functions
// directly, and the ThreadSanitizer runtimes of g++ 12 and clang 14 intercept only the public
// pthread ones. Without this file librdkafka's threads are never set up (the first intercepted
// call on one crashes, SEGV near address 0) and its mutexes order nothing, so every hand-over
// through a librdkafka queue would read as a race. Defined in the executable, these take
// precedence over glibc's for librdkafka and forward to the pthread functions ThreadSanitizer
// sees. glibc's C11 types are its pthread types (mtx_t is a pthread_mutex_t, cnd_t a
// pthread_cond_t, once_flag a pthread_once_t), which is what glibc's own versions rely on too.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

struct Start {
  thrd_start_t function;
  void* argument;
};

void* run(void* start) {
  const Start s = *static_cast<Start*>(start);
  delete static_cast<Start*>(start);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(s.function(s.argument)));
}

int result(int error) {
  switch (error) {
    case 0:
      return thrd_success;
    case EBUSY:
      return thrd_busy;
    case ETIMEDOUT:
      return thrd_timedout;
    case ENOMEM:
    case EAGAIN:
      return thrd_nomem;
    default:
      return thrd_error;
  }
}

pthread_mutex_t* native(mtx_t* mutex) { return reinterpret_cast<pthread_mutex_t*>(mutex); }
pthread_cond_t* native(cnd_t* cond) { return reinterpret_cast<pthread_cond_t*>(cond); }

}  // namespace

extern "C" {

int thrd_create(thrd_t* thread, thrd_start_t function, void* argument) {
  auto* start = new (std::nothrow) Start{function, argument};
  if (start == nullptr) return thrd_nomem;
  const int error = pthread_create(thread, nullptr, run, start);
  if (error != 0) delete start;
  return result(error);
}

int thrd_join(thrd_t thread, int* value) {
  void* returned = nullptr;
  const int error = pthread_join(thread, &returned);
  if (error == 0 && value != nullptr) *value = static_cast<int>(reinterpret_cast<std::intptr_t>(returned));
  return result(error);
}

int thrd_detach(thrd_t thread) { return result(pthread_detach(thread)); }

int mtx_init(mtx_t* mutex, int type) {
  pthread_mutexattr_t attributes;
  pthread_mutexattr_init(&attributes);
  if ((type & mtx_recursive) != 0) pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_RECURSIVE);
  const int error = pthread_mutex_init(native(mutex), &attributes);
  pthread_mutexattr_destroy(&attributes);
  return result(error);
}
int mtx_lock(mtx_t* mutex) { return result(pthread_mutex_lock(native(mutex))); }
int mtx_trylock(mtx_t* mutex) { return result(pthread_mutex_trylock(native(mutex))); }
int mtx_timedlock(mtx_t* mutex, const struct timespec* until) {
  return result(pthread_mutex_timedlock(native(mutex), until));
}
int mtx_unlock(mtx_t* mutex) { return result(pthread_mutex_unlock(native(mutex))); }
void mtx_destroy(mtx_t* mutex) { pthread_mutex_destroy(native(mutex)); }

int cnd_init(cnd_t* cond) { return result(pthread_cond_init(native(cond), nullptr)); }
int cnd_signal(cnd_t* cond) { return result(pthread_cond_signal(native(cond))); }
int cnd_broadcast(cnd_t* cond) { return result(pthread_cond_broadcast(native(cond))); }
int cnd_wait(cnd_t* cond, mtx_t* mutex) { return result(pthread_cond_wait(native(cond), native(mutex))); }
int cnd_timedwait(cnd_t* cond, mtx_t* mutex, const struct timespec* until) {
  return result(pthread_cond_timedwait(native(cond), native(mutex), until));
}
void cnd_destroy(cnd_t* cond) { pthread_cond_destroy(native(cond)); }

void call_once(once_flag* flag, void (*function)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), function);
}

}  // extern "C"
