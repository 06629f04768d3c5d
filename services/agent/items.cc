#include "services/agent/items.h"

#include "absl/strings/str_cat.h"
#include "engine/keys.h"
#include "engine/limits.h"
#include "engine/status_macros.h"
#include "engine/title_key.h"
#include "google/protobuf/util/time_util.h"

namespace silang::agent {
namespace {

using google::protobuf::util::TimeUtil;

std::string ItemKey(absl::string_view item_id) {
  return keys::Builder().Str(item_id).Take();
}
std::string IsbnKey(absl::string_view isbn, absl::string_view item_id) {
  return keys::Builder().Str(isbn).Str(item_id).Take();
}
std::string PushKey(uint64_t seq) { return keys::Builder().U64(seq).Take(); }

absl::Status CheckItem(const ItemRecord& item) {
  if (item.call_number().size() > limits::kNameLen) {
    return absl::InvalidArgumentError(absl::StrCat("item ", item.item_id(),
                                                   ": call_number: at most ",
                                                   limits::kNameLen, " bytes"));
  }
  const std::string& item_id = item.item_id();
  if (item_id.empty() || item_id.size() > limits::kItemIdLen ||
      !keys::ValidPart(item_id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("item_id: 1 to ", limits::kItemIdLen, " bytes, no NUL"));
  }
  return absl::OkStatus();
}

}  // namespace

v1::Holding HoldingOf(const std::string& library_id, const ItemRecord& item) {
  v1::Holding h;
  h.set_library_id(library_id);
  h.mutable_title()->set_isbn(item.isbn());
  h.set_item_id(item.item_id());
  h.set_call_number(item.call_number());
  h.set_availability(item.availability());
  if (item.available_from_us() != 0) {
    *h.mutable_available_from() =
        TimeUtil::MicrosecondsToTimestamp(item.available_from_us());
  }
  return h;
}

absl::StatusOr<std::unique_ptr<ItemTable>> ItemTable::Open(AgentStore& store,
                                                           const Clock& clock) {
  uint64_t last = 0;
  int queued = 0;
  RETURN_IF_ERROR(store.Scan(Acf::kPushes, "", "",
                             [&](absl::string_view k, absl::string_view) {
                               last = keys::Reader(k).U64().value_or(last);
                               ++queued;
                               return true;
                             }));
  return std::unique_ptr<ItemTable>(new ItemTable(store, clock, last, queued));
}

void ItemTable::Stage(AgentBatch& batch, const std::optional<ItemRecord>& old,
                      const ItemRecord& item) const {
  if (old && old->isbn() != item.isbn()) {
    batch.Delete(Acf::kByIsbn, IsbnKey(old->isbn(), old->item_id()));
  }
  batch.Put(Acf::kItems, ItemKey(item.item_id()), item);
  batch.Put(Acf::kByIsbn, IsbnKey(item.isbn(), item.item_id()), "");
}

void ItemTable::StagePush(AgentBatch& batch, PushRecord push) {
  batch.Put(Acf::kPushes, PushKey(last_push_ + 1), push);
}

absl::StatusOr<ItemRecord> ItemTable::Put(ItemRecord item) {
  RETURN_IF_ERROR(CheckItem(item));
  {
    absl::MutexLock lock(&mu_);
    ASSIGN_OR_RETURN(auto old, Get(item.item_id()));
    if (item.isbn().empty() && old) item.set_isbn(old->isbn());
    if (item.call_number().empty() && old) {
      item.set_call_number(old->call_number());
    }
    if (item.isbn().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "item ", item.item_id(), " is new here: isbn is required"));
    }
    auto isbn = NormalizeIsbn(item.isbn());
    if (!isbn.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("isbn: ", isbn.status().message()));
    }
    item.set_isbn(*isbn);
    item.set_updated_at_us(clock_.NowMicros());
    AgentBatch batch(store_);
    Stage(batch, old, item);
    PushRecord push;
    push.set_item_id(item.item_id());
    StagePush(batch, push);
    RETURN_IF_ERROR(store_.Write(batch));
    ++last_push_;
    ++queued_;
  }
  if (listener_) listener_();
  return item;
}

absl::Status ItemTable::Replace(std::vector<ItemRecord> items) {
  for (ItemRecord& item : items) {
    RETURN_IF_ERROR(CheckItem(item));
    auto isbn = NormalizeIsbn(item.isbn());
    if (!isbn.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "item ", item.item_id(), ": isbn: ", isbn.status().message()));
    }
    item.set_isbn(*isbn);
    item.set_updated_at_us(clock_.NowMicros());
  }
  {
    absl::MutexLock lock(&mu_);
    AgentBatch batch(store_);
    // Deleting every key of both families, then writing the new ones, in
    // one batch: later operations in a batch win over earlier ones.
    for (Acf cf : {Acf::kItems, Acf::kByIsbn}) {
      RETURN_IF_ERROR(
          store_.Scan(cf, "", "", [&](absl::string_view k, absl::string_view) {
            batch.Delete(cf, k);
            return true;
          }));
    }
    for (const ItemRecord& item : items) Stage(batch, std::nullopt, item);
    PushRecord push;
    push.set_resync(true);
    StagePush(batch, push);
    RETURN_IF_ERROR(store_.Write(batch));
    ++last_push_;
    ++queued_;
  }
  if (listener_) listener_();
  return absl::OkStatus();
}

absl::StatusOr<bool> ItemTable::OnShelf(const std::string& isbn13) const {
  if (!keys::ValidPart(isbn13)) return false;
  std::vector<std::string> item_ids;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(Acf::kByIsbn, keys::Builder().Str(isbn13).Take(),
                              "", [&](absl::string_view k, absl::string_view) {
                                keys::Reader r(k);
                                r.Str();
                                auto item = r.Str();
                                if (!item) {
                                  inner = AgentStore::Corrupt(Acf::kByIsbn, k);
                                  return false;
                                }
                                item_ids.emplace_back(*item);
                                return true;
                              }));
  RETURN_IF_ERROR(inner);
  for (const std::string& id : item_ids) {
    ASSIGN_OR_RETURN(auto item, Get(id));
    if (item && item->availability() == v1::AVAILABILITY_ON_SHELF) return true;
  }
  return false;
}

absl::StatusOr<std::optional<ItemRecord>> ItemTable::Get(
    const std::string& item_id) const {
  if (!keys::ValidPart(item_id)) return std::nullopt;
  return store_.GetProto<ItemRecord>(Acf::kItems, ItemKey(item_id));
}

absl::StatusOr<std::vector<ItemRecord>> ItemTable::All() const {
  std::vector<ItemRecord> out;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Acf::kItems, "", "", [&](absl::string_view k, absl::string_view v) {
        ItemRecord item;
        if (!item.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = AgentStore::Corrupt(Acf::kItems, k);
          return false;
        }
        out.push_back(std::move(item));
        return true;
      }));
  RETURN_IF_ERROR(inner);
  return out;
}

absl::StatusOr<std::vector<QueuedPush>> ItemTable::Queued(int max) const {
  std::vector<QueuedPush> out;
  absl::Status inner = absl::OkStatus();
  RETURN_IF_ERROR(store_.Scan(
      Acf::kPushes, "", "", [&](absl::string_view k, absl::string_view v) {
        QueuedPush q;
        auto seq = keys::Reader(k).U64();
        if (!seq ||
            !q.push.ParseFromArray(v.data(), static_cast<int>(v.size()))) {
          inner = AgentStore::Corrupt(Acf::kPushes, k);
          return false;
        }
        q.seq = *seq;
        out.push_back(std::move(q));
        return static_cast<int>(out.size()) < max;
      }));
  RETURN_IF_ERROR(inner);
  return out;
}

absl::Status ItemTable::Done(const std::vector<QueuedPush>& pushes) {
  absl::MutexLock lock(&mu_);
  AgentBatch batch(store_);
  for (const QueuedPush& q : pushes) batch.Delete(Acf::kPushes, PushKey(q.seq));
  RETURN_IF_ERROR(store_.Write(batch));
  queued_ -= static_cast<int>(pushes.size());
  return absl::OkStatus();
}

int ItemTable::queued() const {
  absl::MutexLock lock(&mu_);
  return queued_;
}

}  // namespace silang::agent
