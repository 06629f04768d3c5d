// The RocksDB merge operator of the counters column family: operands are
// CounterRecords and merging adds them field by field (maps by key,
// repeated fields element by element). Addition is associative, so
// transitions update shared counters with a blind Merge in their own
// WriteBatch: no read-modify-write, no lock on a hot counter.
#ifndef SILANG_ENGINE_COUNTER_MERGE_H_
#define SILANG_ENGINE_COUNTER_MERGE_H_

#include <memory>

#include "rocksdb/merge_operator.h"
#include "silang/storage/v1/records.pb.h"

namespace silang {

std::shared_ptr<rocksdb::MergeOperator> NewCounterMergeOperator();

// into += delta, field by field.
void AddCounters(storage::v1::CounterRecord& into,
                 const storage::v1::CounterRecord& delta);

}  // namespace silang

#endif  // SILANG_ENGINE_COUNTER_MERGE_H_
