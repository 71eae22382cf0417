#include "kafka/client_check.h"

#include "kafka/config.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "kafka/table_reader.h"
#include "kafka/topic_admin.h"

namespace hookd::kafka {

MaybeError check_client_configs(const ClientSettings& settings, const std::vector<std::string>& group_ids,
                                const std::string& instance_id) {
  if (auto r = producer_conf(settings, ProducerOptions{}); !r.conf) return r.error;
  if (auto r = topic_admin_conf(settings); !r.conf) return r.error;
  if (auto r = reader_conf(settings, TableReader::kClientId); !r.conf) return r.error;
  for (const auto& group_id : group_ids) {
    GroupConsumerOptions options;
    options.group_id = group_id;
    options.instance_id = instance_id;
    if (auto r = group_consumer_conf(settings, options); !r.conf) return r.error;
  }
  return std::nullopt;
}

}  // namespace hookd::kafka
