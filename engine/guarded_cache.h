// GuardedCache: an in-memory cache of immutable values read from the store,
// keyed by string, that never keeps a value older than the last
// invalidation of its key.
//
// The race it closes: a reader misses, reads the store, and meanwhile a
// writer writes and drops the key; if the reader then kept what it read,
// the cache would hold the old value until the next write. So a reader
// takes a ticket before it reads (Ticket) and hands it to Insert, which
// keeps the value only if nothing was dropped (Drop, Clear or Touch) since.
// A writer drops after its write is durable. Every drop moves one
// generation, so a busy cache may turn a racing value away needlessly; the
// reader still returns it, and the next miss tries again.
//
// Optionally bounded: each value weighs weigh(value) (1 by default); when
// an insert would pass max_weight, about a quarter of the weight goes, in
// hash order (effectively at random). A value heavier than the whole bound
// is not kept.
//
// A writer may also put what it wrote straight in (Replace: write-through),
// which moves the generation just as a drop does.
//
// Used for directory views, title holders and credentials.
// Thread-safe.
#ifndef SILANG_ENGINE_GUARDED_CACHE_H_
#define SILANG_ENGINE_GUARDED_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace silang {

template <typename V>
class GuardedCache {
 public:
  using Ptr = std::shared_ptr<const V>;

  // max_weight 0: unbounded.
  explicit GuardedCache(size_t max_weight = 0,
                        std::function<size_t(const V&)> weigh = nullptr)
      : max_weight_(max_weight), weigh_(std::move(weigh)) {}

  // nullptr on a miss.
  Ptr Find(absl::string_view key) const {
    absl::ReaderMutexLock lock(&mu_);
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second;
  }

  // Take before reading what a value is built from; pass to Insert.
  uint64_t Ticket() const {
    absl::ReaderMutexLock lock(&mu_);
    return gen_;
  }

  // Keeps value for key unless something was dropped since `ticket`.
  // Returns the cached value if another reader was first, else value.
  Ptr Insert(absl::string_view key, Ptr value, uint64_t ticket) {
    const size_t w = Weight(*value);
    if (max_weight_ != 0 && w > max_weight_) return value;
    absl::MutexLock lock(&mu_);
    if (ticket != gen_) return value;
    if (auto it = map_.find(key); it != map_.end()) return it->second;
    if (max_weight_ != 0 && weight_ + w > max_weight_) {
      const size_t target = max_weight_ - max_weight_ / 4;
      for (auto it = map_.begin(); it != map_.end() && weight_ + w > target;) {
        weight_ -= Weight(*it->second);
        map_.erase(it++);
      }
    }
    weight_ += w;
    map_.emplace(key, value);
    return value;
  }

  // Find, else build() (outside the lock) and Insert.
  template <typename Build>
  absl::StatusOr<Ptr> GetOrBuild(absl::string_view key, Build build) {
    if (Ptr hit = Find(key)) return hit;
    const uint64_t ticket = Ticket();
    absl::StatusOr<Ptr> built = build();
    if (!built.ok()) return built.status();
    return Insert(key, *std::move(built), ticket);
  }

  // Forgets these keys (after the write that changed them); calls
  // on_drop(value), under the lock, for each one that was cached.
  void Drop(const std::vector<std::string>& keys,
            const std::function<void(const V&)>& on_drop = nullptr) {
    absl::MutexLock lock(&mu_);
    ++gen_;
    for (const std::string& k : keys) {
      auto it = map_.find(k);
      if (it == map_.end()) continue;
      if (on_drop) on_drop(*it->second);
      weight_ -= Weight(*it->second);
      map_.erase(it);
    }
  }
  // Write-through: after a write is durable, puts the values it made in
  // the cache instead of dropping the old ones, so the next reader does not
  // read the store again. For each key, update(key, old) builds the new
  // value from the cached one (old is nullptr when the key is not cached);
  // a non-null result replaces old or fills the empty slot, a null one
  // drops old (or leaves the key uncached). on_replace(old) is called,
  // under the lock, for each old value that goes.
  //
  // Why this never keeps a stale value, although update runs outside the
  // lock (building thousands of values under it would stall every reader):
  //   - the generation moves first, so a reader that took its ticket before
  //     the write (and may have read the old state) can no longer insert;
  //   - the old values are taken after that move, so any stale value a
  //     racing reader managed to insert before it is among them and is
  //     replaced; a value inserted after it was read after the write;
  //   - a slot is swapped only if it still holds the value update saw;
  //     otherwise a reader filled it after the move, from the new state.
  // REQUIRES: callers of Replace and Drop are serialized (one writer at a
  // time, as Directory's write_mu_ does): a second writer between the
  // phases could swap a value this one built its update from.
  void Replace(
      const std::vector<std::string>& keys,
      const std::function<Ptr(const std::string& key, const V* old)>& update,
      const std::function<void(const V&)>& on_replace = nullptr) {
    std::vector<Ptr> olds(keys.size());
    {
      absl::MutexLock lock(&mu_);
      ++gen_;
      for (size_t i = 0; i < keys.size(); ++i) {
        if (auto it = map_.find(keys[i]); it != map_.end()) {
          olds[i] = it->second;
        }
      }
    }
    std::vector<Ptr> news(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      news[i] = update(keys[i], olds[i].get());
    }
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = map_.find(keys[i]);
      const V* now = it == map_.end() ? nullptr : it->second.get();
      if (now != olds[i].get()) continue;  // filled since, from the new state
      if (now != nullptr) {
        if (on_replace) on_replace(*now);
        weight_ -= Weight(*now);
        map_.erase(it);
      }
      if (news[i] == nullptr) continue;
      const size_t w = Weight(*news[i]);
      if (max_weight_ != 0 && (w > max_weight_ || weight_ + w > max_weight_)) {
        continue;  // too heavy to keep now: the next reader builds it
      }
      weight_ += w;
      map_.emplace(keys[i], std::move(news[i]));
    }
  }

  // Insert for many values read together after one Ticket (a bulk fill):
  // keeps each non-null values[i] whose keys[i] is not cached yet, or none
  // of them if something was dropped since `ticket`; returns false then.
  // A bounded cache keeps them only up to its bound: a fill never evicts
  // what readers brought in.
  bool InsertAll(const std::vector<std::string>& keys,
                 const std::vector<Ptr>& values, uint64_t ticket) {
    absl::MutexLock lock(&mu_);
    if (ticket != gen_) return false;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (values[i] == nullptr) continue;
      const size_t w = Weight(*values[i]);
      if (max_weight_ != 0 && weight_ + w > max_weight_) continue;
      if (map_.try_emplace(keys[i], values[i]).second) weight_ += w;
    }
    return true;
  }

  // Forgets every value for which drop(key, value) is true (after the
  // write that changed them), when the keys a write changed are not known
  // but can be recognized. Holds the lock for one pass over the cache.
  void DropIf(const std::function<bool(absl::string_view, const V&)>& drop) {
    absl::MutexLock lock(&mu_);
    ++gen_;
    for (auto it = map_.begin(); it != map_.end();) {
      if (drop(it->first, *it->second)) {
        weight_ -= Weight(*it->second);
        map_.erase(it++);
      } else {
        ++it;
      }
    }
  }

  // Forgets everything.
  void Clear() {
    absl::MutexLock lock(&mu_);
    ++gen_;
    map_.clear();
    weight_ = 0;
  }
  // Turns away values being built now, keeping the cached ones: something
  // they may have read changed.
  void Touch() {
    absl::MutexLock lock(&mu_);
    ++gen_;
  }

  size_t size() const {
    absl::ReaderMutexLock lock(&mu_);
    return map_.size();
  }
  size_t weight() const {
    absl::ReaderMutexLock lock(&mu_);
    return weight_;
  }

 private:
  size_t Weight(const V& v) const { return weigh_ ? weigh_(v) : 1; }

  const size_t max_weight_;
  const std::function<size_t(const V&)> weigh_;
  mutable absl::Mutex mu_;
  uint64_t gen_ ABSL_GUARDED_BY(mu_) = 0;
  size_t weight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, Ptr> map_ ABSL_GUARDED_BY(mu_);
};

}  // namespace silang

#endif  // SILANG_ENGINE_GUARDED_CACHE_H_
