#include "engine/keys.h"

namespace silang::keys {
namespace {

void PutBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

constexpr uint64_t kSignBit = uint64_t{1} << 63;

}  // namespace

Builder& Builder::U8(uint8_t v) {
  PutBigEndian(key_, v, 1);
  return *this;
}
Builder& Builder::U32(uint32_t v) {
  PutBigEndian(key_, v, 4);
  return *this;
}
Builder& Builder::U64(uint64_t v) {
  PutBigEndian(key_, v, 8);
  return *this;
}
Builder& Builder::I64(int64_t v) {
  PutBigEndian(key_, static_cast<uint64_t>(v) ^ kSignBit, 8);
  return *this;
}
Builder& Builder::Str(absl::string_view s) {
  key_.append(s.data(), s.size());
  key_.push_back('\0');
  return *this;
}

namespace {
template <typename T>
std::optional<T> ReadBigEndian(absl::string_view& rest) {
  if (rest.size() < sizeof(T)) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    v = (v << 8) | static_cast<uint8_t>(rest[i]);
  }
  rest.remove_prefix(sizeof(T));
  return static_cast<T>(v);
}
}  // namespace

std::optional<uint8_t> Reader::U8() { return ReadBigEndian<uint8_t>(rest_); }
std::optional<uint32_t> Reader::U32() {
  return ReadBigEndian<uint32_t>(rest_);
}
std::optional<uint64_t> Reader::U64() {
  return ReadBigEndian<uint64_t>(rest_);
}
std::optional<int64_t> Reader::I64() {
  auto v = ReadBigEndian<uint64_t>(rest_);
  if (!v) return std::nullopt;
  return static_cast<int64_t>(*v ^ kSignBit);
}
std::optional<absl::string_view> Reader::Str() {
  size_t nul = rest_.find('\0');
  if (nul == absl::string_view::npos) return std::nullopt;
  absl::string_view s = rest_.substr(0, nul);
  rest_.remove_prefix(nul + 1);
  return s;
}

bool ValidPart(absl::string_view s) {
  return s.find('\0') == absl::string_view::npos;
}

std::string PrefixEnd(absl::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

std::string RequestKey(uint64_t id) { return Builder().U64(id).Take(); }
std::string AuditKey(uint64_t id, uint32_t seq) {
  return Builder().U64(id).U32(seq).Take();
}
std::string TimerKey(int64_t due_us, uint64_t id, uint8_t kind) {
  return Builder().I64(due_us).U64(id).U8(kind).Take();
}

}  // namespace silang::keys
