// RocksDB key encoding. Keys are tuples whose byte order is their logical
// order under the default bytewise comparator:
//
//   u8 / u32 / u64   fixed width, big-endian
//   i64 (time, us)   big-endian with the sign bit flipped
//   str              the bytes, then one NUL; the bytes hold no NUL
//
// Column families and their key grammar (numbers pinned; DO NOT CHANGE):
//
//   0  meta          "schema_version"                    -> SchemaRecord
//   1  requests      id:u64                              -> RequestRecord
//   2  audit         id:u64 seq:u32                      -> AuditRecord
//   3  idempotency   library:str kind:u8 key:str         -> IdempotencyRecord
//   4  by_borrower   library:str created:i64 id:u64      -> ""
//   5  by_lender     library:str created:i64 id:u64      -> ""
//   6  timers        due:i64 id:u64 kind:u8              -> TimerRecord
//   7  libraries     library:str                         -> LibraryRecord
//   8  partnerships  partnership:str                     -> PartnershipRecord
//   9  holdings      title:str library:str gen:u64 item:str -> HoldingRecord
//  10  lib_holdings  library:str gen:u64 title:str item:str -> ""
//  11  member_of     library:str partnership:str         -> ""
//  12  tasks         library:str id:u64                  -> role:u8
//  13  counters      scope:u8 id:str day:u32             -> CounterRecord
//  14  holding_gens  library:str                         -> HoldingsGenerationRecord
//  15  titles        title:str                           -> TitleRecord
//  16  title_words   word:str title:str                  -> ""
//  17  title_ids     id:str title:str                    -> ""
//  18  feed          library:str seq:u64                 -> FeedRecord
//  19  feed_seqs     seq:u64                             -> ""
//  20  credentials   id:str                              -> CredentialRecord
//
//  meta also holds "holdings_gen_seq" -> HoldingsGenSeqRecord.
//
// Holdings carry a per-library generation (gen): readers see only the
// library's current generation (holding_gens), so a bulk import writes a
// whole new generation beside the live one and switches in one write (see
// Directory). title_words maps each folded word of a title
// (engine/catalog/text.h) to the title; title_ids maps "isbn:<13 digits>"
// and "issn:<NNNN-NNNC>" to every title carrying that identifier.
//
// idempotency kind: 1 for Submit keys, 2 for Act keys.
// feed and feed_seqs order each library's task changes for subscribing
// agents (engine/task_feed.h).
//
// counters values are merged by addition (engine/counter_merge.h); day is
// 0 for all-time totals and gauges, else UTC days since 1970-01-01 plus 1.
// by_lender holds every library a request was ever sent to, so a lender
// lists what it was asked. tasks holds, for each open request, the
// libraries that can act on it now (see fsm::ActionsFor).
#ifndef SILANG_ENGINE_KEYS_H_
#define SILANG_ENGINE_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace silang::keys {

// Appends tuple parts to a key.
class Builder {
 public:
  Builder& U8(uint8_t v);
  Builder& U32(uint32_t v);
  Builder& U64(uint64_t v);
  Builder& I64(int64_t v);
  // REQUIRES: s holds no NUL (validate input before building keys).
  Builder& Str(absl::string_view s);
  const std::string& key() const { return key_; }
  std::string Take() { return std::move(key_); }

 private:
  std::string key_;
};

// Reads tuple parts back, in order. Every Read returns nullopt on a short
// or malformed key; a key that fails to decode is a DataLoss for callers.
class Reader {
 public:
  explicit Reader(absl::string_view key) : rest_(key) {}
  std::optional<uint8_t> U8();
  std::optional<uint32_t> U32();
  std::optional<uint64_t> U64();
  std::optional<int64_t> I64();
  std::optional<absl::string_view> Str();
  bool done() const { return rest_.empty(); }

 private:
  absl::string_view rest_;
};

// True if s may be a str part: no NUL byte.
bool ValidPart(absl::string_view s);

// The smallest key greater than every key starting with prefix, for an
// iterate_upper_bound; empty if none exists (prefix all 0xff).
std::string PrefixEnd(absl::string_view prefix);

// Keys used by more than one module.
std::string RequestKey(uint64_t id);
std::string AuditKey(uint64_t id, uint32_t seq);
std::string TimerKey(int64_t due_us, uint64_t id, uint8_t kind);

}  // namespace silang::keys

#endif  // SILANG_ENGINE_KEYS_H_
