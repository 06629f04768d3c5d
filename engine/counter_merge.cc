#include "engine/counter_merge.h"

#include <algorithm>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace silang {
namespace {

using storage::v1::CounterRecord;

class CounterMergeOperator final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    CounterRecord sum;
    if (existing != nullptr &&
        !sum.ParseFromArray(existing->data(),
                            static_cast<int>(existing->size()))) {
      return false;  // corruption: RocksDB reports it
    }
    CounterRecord delta;
    if (!delta.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      return false;
    }
    AddCounters(sum, delta);
    return sum.SerializeToString(new_value);
  }
  const char* Name() const override { return "silang.CounterAdd.v1"; }
};

}  // namespace

void AddCounters(CounterRecord& into, const CounterRecord& delta) {
  const auto* desc = CounterRecord::descriptor();
  const auto* refl = CounterRecord::GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const auto* f = desc->field(i);
    if (f->is_map()) continue;
    if (f->is_repeated()) {
      int n = refl->FieldSize(delta, f);
      while (refl->FieldSize(into, f) < n) refl->AddInt64(&into, f, 0);
      for (int j = 0; j < n; ++j) {
        refl->SetRepeatedInt64(&into, f, j,
                               refl->GetRepeatedInt64(into, f, j) +
                                   refl->GetRepeatedInt64(delta, f, j));
      }
    } else {
      int64_t d = refl->GetInt64(delta, f);
      if (d != 0) refl->SetInt64(&into, f, refl->GetInt64(into, f) + d);
    }
  }
  for (const auto& [reason, count] : delta.unfilled_reasons()) {
    (*into.mutable_unfilled_reasons())[reason] += count;
  }
  for (const auto& [state, count] : delta.in_state()) {
    auto& n = (*into.mutable_in_state())[state];
    n += count;
    if (n == 0) into.mutable_in_state()->erase(state);  // keep it small
  }
  for (const auto& [state, count] : delta.commits_by_state()) {
    (*into.mutable_commits_by_state())[state] += count;
  }
}

std::shared_ptr<rocksdb::MergeOperator> NewCounterMergeOperator() {
  return std::make_shared<CounterMergeOperator>();
}

}  // namespace silang
