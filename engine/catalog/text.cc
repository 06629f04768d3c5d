#include "engine/catalog/text.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace silang::catalog {
namespace {

// Base letters of U+00C0..U+024F and U+1E00..U+1EFF, two bytes each ('.'
// pads; ".." means "no Latin base": keep the character). Generated from
// Unicode's canonical decompositions, plus ligatures and letters with
// strokes (ß, æ, ø, đ, ł, œ, þ ...) by hand.
constexpr char kLatin1[] =
    "a.a.a.a.a.a.aec.e.e.e.e.i.i.i.i.d.n.o.o.o.o.o...o.u.u.u.u.y.thss"
    "a.a.a.a.a.a.aec.e.e.e.e.i.i.i.i.d.n.o.o.o.o.o...o.u.u.u.u.y.thy."
    "a.a.a.a.a.a.c.c.c.c.c.c.c.c.d.d.d.d.e.e.e.e.e.e.e.e.e.e.g.g.g.g."
    "g.g.g.g.h.h.h.h.i.i.i.i.i.i.i.i.i.i.....j.j.k.k.k.l.l.l.l.l.l.l."
    "l.l.l.n.n.n.n.n.n.n.n.n.o.o.o.o.o.o.oeoer.r.r.r.r.r.s.s.s.s.s.s."
    "s.s.t.t.t.t.....u.u.u.u.u.u.u.u.u.u.u.u.w.w.y.y.y.z.z.z.z.z.z.s."
    "....................................f..........................."
    "o.o...........................u.u..............................."
    "..........................a.a.i.i.o.o.u.u.u.u.u.u.u.u.u.u...a.a."
    "a.a.........g.g.k.k.o.o.o.o.....j.......g.g.....n.n.a.a........."
    "a.a.a.a.e.e.e.e.i.i.i.i.o.o.o.o.r.r.r.r.u.u.u.u.s.s.t.t.....h.h."
    "............a.a.e.e.o.o.o.o.o.o.o.o.y.y........................."
    "................................";
constexpr char kLatinExtAdditional[] =
    "a.a.b.b.b.b.b.b.c.c.d.d.d.d.d.d.d.d.d.d.e.e.e.e.e.e.e.e.e.e.f.f."
    "g.g.h.h.h.h.h.h.h.h.h.h.i.i.i.i.k.k.k.k.k.k.l.l.l.l.l.l.l.l.m.m."
    "m.m.m.m.n.n.n.n.n.n.n.n.o.o.o.o.o.o.o.o.p.p.p.p.r.r.r.r.r.r.r.r."
    "s.s.s.s.s.s.s.s.s.s.t.t.t.t.t.t.t.t.u.u.u.u.u.u.u.u.u.u.v.v.v.v."
    "w.w.w.w.w.w.w.w.w.w.x.x.x.x.y.y.z.z.z.z.z.z.h.t.w.y............."
    "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.e.e.e.e.e.e.e.e."
    "e.e.e.e.e.e.e.e.i.i.i.i.o.o.o.o.o.o.o.o.o.o.o.o.o.o.o.o.o.o.o.o."
    "o.o.o.o.u.u.u.u.u.u.u.u.u.u.u.u.u.u.y.y.y.y.y.y.y.y.............";
static_assert(sizeof(kLatin1) == 2 * (0x250 - 0xC0) + 1);
static_assert(sizeof(kLatinExtAdditional) == 2 * 0x100 + 1);

constexpr char32_t kInvalid = 0xFFFFFFFF;

// Decodes one UTF-8 character at s[i], advancing i; kInvalid (advancing one
// byte) on a malformed, overlong or surrogate sequence.
char32_t Next(absl::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len;
  char32_t cp;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07;
  } else {
    ++i;
    return kInvalid;
  }
  if (i + len > s.size()) {
    ++i;
    return kInvalid;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kInvalid;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((len == 3 && cp < 0x800) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kInvalid;
  }
  i += len;
  return cp;
}

void Append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

enum class Kind { kBreak, kJoin, kText };

// What a character becomes when folded; for kText, appends its folded form.
Kind FoldChar(char32_t cp, std::string& out) {
  if (cp == kInvalid) return Kind::kBreak;
  if (cp < 0x80) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(cp))) {
      out.push_back(absl::ascii_tolower(static_cast<unsigned char>(cp)));
      return Kind::kText;
    }
    return cp == '\'' ? Kind::kJoin : Kind::kBreak;
  }
  // Combining diacritics, apostrophe-like marks, zero-width joiners and
  // variation selectors join; they never split a word.
  if ((cp >= 0x300 && cp <= 0x36F) || cp == 0x2BC || cp == 0x2018 ||
      cp == 0x2019 || (cp >= 0x200B && cp <= 0x200D) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFE20 || cp == 0xFE21 ||
      cp == 0xFE22 || cp == 0xFE23) {
    return Kind::kJoin;
  }
  if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x206F) ||
      (cp >= 0x3000 && cp <= 0x303F) || cp == 0x964 || cp == 0x965 ||
      (cp >= 0xFF01 && cp <= 0xFF0F)) {
    return Kind::kBreak;
  }
  const char* base = nullptr;
  if (cp < 0x250) base = kLatin1 + 2 * (cp - 0xC0);
  if (cp >= 0x1E00 && cp <= 0x1EFF)
    base = kLatinExtAdditional + 2 * (cp - 0x1E00);
  if (base != nullptr && base[0] != '.') {
    out.push_back(base[0]);
    if (base[1] != '.') out.push_back(base[1]);
    return Kind::kText;
  }
  if ((cp >= 0x391 && cp <= 0x3A9) || (cp >= 0x410 && cp <= 0x42F)) {
    cp += 0x20;
  } else if (cp >= 0x400 && cp <= 0x40F) {
    cp += 0x50;
  }
  Append(out, cp);
  return Kind::kText;
}

}  // namespace

bool IsValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (Next(s, i) == kInvalid) return false;
  }
  return true;
}

std::string CleanUtf8(absl::string_view s) {
  // Most catalogue text is printable ASCII, which stays as it is.
  bool plain = true;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    plain = plain && b >= 0x20 && b < 0x7F;
  }
  if (plain) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp = Next(s, i);
    if (cp == kInvalid) {
      Append(out, 0xFFFD);
    } else if (cp < 0x20 || cp == 0x7F) {
      out.push_back(' ');
    } else {
      Append(out, cp);
    }
  }
  return out;
}

absl::string_view TruncateUtf8(absl::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  size_t end = max_bytes;
  // Back up over continuation bytes to the start of the cut character.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
    --end;
  }
  return s.substr(0, end);
}

std::string Fold(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool need_space = false;
  for (size_t i = 0; i < text.size();) {
    const size_t before = out.size();
    switch (FoldChar(Next(text, i), out)) {
      case Kind::kText:
        if (need_space && before > 0) out.insert(before, 1, ' ');
        need_space = false;
        break;
      case Kind::kBreak:
        need_space = true;
        break;
      case Kind::kJoin:
        break;
    }
  }
  return out;
}

std::vector<std::string> Words(absl::string_view text, size_t max_words) {
  std::vector<std::string> words;
  std::string folded = Fold(text);
  size_t start = 0;
  while (start < folded.size() && words.size() < max_words) {
    size_t end = folded.find(' ', start);
    if (end == std::string::npos) end = folded.size();
    absl::string_view word = TruncateUtf8(
        absl::string_view(folded).substr(start, end - start), kMaxWordLen);
    bool seen = false;
    for (const auto& w : words) seen = seen || w == word;
    if (!word.empty() && !seen) words.emplace_back(word);
    start = end + 1;
  }
  return words;
}

uint64_t Fingerprint(absl::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string MatchTitleKey(absl::string_view title, absl::string_view author,
                          absl::string_view year) {
  std::string folded_title = Fold(title);
  std::string match =
      absl::StrCat(folded_title, "|", Fold(author), "|", Fold(year));
  std::string slug = folded_title;
  for (char& c : slug) {
    if (c == ' ') c = '-';
  }
  slug = std::string(TruncateUtf8(slug, 40));
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return absl::StrFormat("rec:%s%s%016x", slug, slug.empty() ? "" : ".",
                         Fingerprint(match));
}

}  // namespace silang::catalog
