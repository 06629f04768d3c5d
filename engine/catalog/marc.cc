#include "engine/catalog/marc.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <yaz/marcdisp.h>
#include <yaz/wrbuf.h>
#include <yaz/yaz-iconv.h>

#include <algorithm>
#include <mutex>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/catalog/text.h"
#include "engine/status_macros.h"

namespace silang::catalog {
namespace {

constexpr char kSubfieldSep = '\x1F';
constexpr char kFieldSep = '\x1E';
constexpr char kRecordEnd = '\x1D';
constexpr char kMarcXmlNs[] = "http://www.loc.gov/MARC21/slim";
// ISO 2709 lengths have five digits.
constexpr size_t kMaxIso2709 = 99999;
// A MARCXML record longer than this is refused (real ones are a few KB).
constexpr size_t kMaxXmlRecord = 4 << 20;
// YAZ's ISO 2709 reader may look a few bytes past a malformed field; the
// record is copied into a zero-padded buffer so it never reads past ours.
constexpr size_t kYazPadding = 64;

// Parses yaz_marc_write_line output written with subfield separator 0x1F
// and field end 0x1E: the leader and "\n", then per field
// "TAG IND\x1Fa value\x1Fb value\x1E" or "TAG data\x1E"; YAZ's comments
// "(text)\n" may sit between fields.
MarcRecord ParseLines(absl::string_view out) {
  MarcRecord rec;
  size_t nl = out.find('\n');
  rec.leader = std::string(out.substr(0, nl));
  if (nl == absl::string_view::npos) return rec;
  out.remove_prefix(nl + 1);
  while (!out.empty()) {
    size_t end = out.find(kFieldSep);
    absl::string_view seg = out.substr(0, end);
    out.remove_prefix(end == absl::string_view::npos ? out.size() : end + 1);
    while (absl::StartsWith(seg, "(")) {
      size_t close = seg.find(")\n");
      if (close == absl::string_view::npos) break;
      seg.remove_prefix(close + 2);
    }
    if (seg.empty() || seg == "\n") continue;
    MarcField f;
    size_t sub = seg.find(kSubfieldSep);
    absl::string_view head = seg.substr(0, sub);
    size_t sp = head.find(' ');
    f.tag = std::string(head.substr(0, sp));
    absl::string_view rest =
        sp == absl::string_view::npos ? "" : head.substr(sp + 1);
    if (sub == absl::string_view::npos) {
      if (absl::StartsWith(f.tag, "00")) f.data = std::string(rest);
      rec.fields.push_back(std::move(f));
      continue;
    }
    if (!rest.empty()) f.ind1 = rest[0];
    if (rest.size() > 1) f.ind2 = rest[1];
    absl::string_view subs = seg.substr(sub + 1);
    while (true) {
      size_t next = subs.find(kSubfieldSep);
      absl::string_view one = subs.substr(0, next);
      // "c value": the code is one character (maybe multi-byte), a space,
      // then the value.
      size_t code_len = 1;
      while (code_len < one.size() &&
             (static_cast<unsigned char>(one[code_len]) & 0xC0) == 0x80) {
        ++code_len;
      }
      MarcSubfield s;
      s.code = std::string(one.substr(0, code_len));
      absl::string_view value = one.substr(std::min(code_len, one.size()));
      if (absl::StartsWith(value, " ")) value.remove_prefix(1);
      s.value = std::string(value);
      f.subfields.push_back(std::move(s));
      if (next == absl::string_view::npos) break;
      subs.remove_prefix(next + 1);
    }
    rec.fields.push_back(std::move(f));
  }
  return rec;
}

// Reads `n` decimal digits at s[at]; nullopt unless all are digits.
std::optional<size_t> Digits(absl::string_view s, size_t at, size_t n) {
  if (at > s.size() || n > s.size() - at) return std::nullopt;
  size_t v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) {
      return std::nullopt;
    }
    v = v * 10 + static_cast<size_t>(s[i] - '0');
  }
  return v;
}

// Parses YAZ's ISO 2709 output, written with leader/10-11 "22" and
// /20-23 "4500": leader, directory of 12-byte entries (tag, 4-digit
// length, 5-digit start) ending 0x1E at the base address, then each
// field's data ending 0x1E. A field is "IND\x1Fa value\x1Fb value" or
// control data; it reads into the same MarcRecord as ParseLines would
// from the line writer's output. nullopt if the output is not laid out
// exactly so (a tag that is not three bytes, a field over 9999 bytes, a
// directory length that does not match the data): the caller then uses
// the line writer. Every index is checked against the output's size.
std::optional<MarcRecord> ParseIso2709(absl::string_view iso) {
  constexpr size_t kEntry = 12;
  std::optional<size_t> base = Digits(iso, 12, 5);
  if (!base || *base < 25 || *base > iso.size() ||
      (*base - 25) % kEntry != 0 || iso[*base - 1] != kFieldSep) {
    return std::nullopt;
  }
  const absl::string_view data = iso.substr(*base);
  MarcRecord rec;
  rec.leader = std::string(iso.substr(0, 24));
  const size_t n = (*base - 25) / kEntry;
  rec.fields.reserve(n);
  size_t expect = 0;  // YAZ writes the fields back to back
  for (size_t k = 0; k < n; ++k) {
    const size_t entry = 24 + k * kEntry;
    std::optional<size_t> len = Digits(iso, entry + 3, 4);
    std::optional<size_t> start = Digits(iso, entry + 7, 5);
    if (!len || !start || *start != expect || *len == 0 ||
        *len > data.size() - *start || data[*start + *len - 1] != kFieldSep) {
      return std::nullopt;
    }
    expect += *len;
    absl::string_view body = data.substr(*start, *len - 1);
    if (body.find(kFieldSep) != absl::string_view::npos) return std::nullopt;
    MarcField f;
    f.tag = std::string(iso.substr(entry, 3));
    const size_t sub = body.find(kSubfieldSep);
    if (sub == absl::string_view::npos) {
      if (absl::StartsWith(f.tag, "00")) f.data = std::string(body);
      rec.fields.push_back(std::move(f));
      continue;
    }
    if (sub > 0) f.ind1 = body[0];
    if (sub > 1) f.ind2 = body[1];
    absl::string_view subs = body.substr(sub + 1);
    f.subfields.reserve(
        static_cast<size_t>(std::count(subs.begin(), subs.end(),
                                       kSubfieldSep)) +
        1);
    while (true) {
      const size_t next = subs.find(kSubfieldSep);
      absl::string_view one = subs.substr(0, next);
      // The code is one character: one byte, unless MARC-8 conversion
      // made it a multi-byte one.
      size_t code_len = std::min<size_t>(1, one.size());
      while (code_len < one.size() &&
             (static_cast<unsigned char>(one[code_len]) & 0xC0) == 0x80) {
        ++code_len;
      }
      MarcSubfield sf;
      sf.code = std::string(one.substr(0, code_len));
      sf.value = std::string(one.substr(code_len));
      f.subfields.push_back(std::move(sf));
      if (next == absl::string_view::npos) break;
      subs.remove_prefix(next + 1);
    }
    rec.fields.push_back(std::move(f));
  }
  if (expect + 1 != data.size() || data.back() != kRecordEnd) {
    return std::nullopt;
  }
  return rec;
}

bool NeedsMarc8(absl::string_view bytes, MarcEncoding encoding) {
  switch (encoding) {
    case MarcEncoding::kMarc8:
      return true;
    case MarcEncoding::kUtf8:
      return false;
    case MarcEncoding::kAuto:
      break;
  }
  if (bytes.size() > 9 && bytes[9] == 'a') return false;
  return absl::StrContains(bytes, '\x1B') || !IsValidUtf8(bytes);
}

}  // namespace

absl::string_view MarcField::Sub(char code) const {
  for (const auto& s : subfields) {
    if (s.code.size() == 1 && s.code[0] == code) return s.value;
  }
  return "";
}

const MarcField* MarcRecord::Find(absl::string_view tag) const {
  for (const auto& f : fields) {
    if (f.tag == tag) return &f;
  }
  return nullptr;
}

struct MarcDecoder::Yaz {
  yaz_marc_t mt = nullptr;
  yaz_iconv_t marc8 = nullptr;
  WRBUF out = nullptr;
  WRBUF check = nullptr;
  xmlParserCtxtPtr xml = nullptr;
  std::string scratch;

  ~Yaz() {
    if (xml != nullptr) xmlFreeParserCtxt(xml);
    if (out != nullptr) wrbuf_destroy(out);
    if (check != nullptr) wrbuf_destroy(check);
    if (marc8 != nullptr) yaz_iconv_close(marc8);
    if (mt != nullptr) yaz_marc_destroy(mt);
  }
};

MarcDecoder::MarcDecoder() : yaz_(std::make_unique<Yaz>()) {
  static std::once_flag xml_init;
  std::call_once(xml_init, [] { xmlInitParser(); });
  yaz_->mt = yaz_marc_create();
  yaz_marc_subfield_str(yaz_->mt, "\x1F");
  yaz_marc_endline_str(yaz_->mt, "\x1E");
  yaz_->marc8 = yaz_iconv_open("utf8", "marc8");
  yaz_->out = wrbuf_alloc();
  yaz_->check = wrbuf_alloc();
  yaz_->xml = xmlNewParserCtxt();
}

MarcDecoder::~MarcDecoder() = default;

std::string MarcDecoder::FailureReason() {
  // YAZ's "check" output is its comments, each ending ")\n"; it reads
  // nothing of the fields, so it is safe on a half-read record.
  yaz_marc_modify_leader(yaz_->mt, 11, "2");
  yaz_marc_iconv(yaz_->mt, nullptr);
  yaz_marc_xml(yaz_->mt, YAZ_MARC_CHECK);
  wrbuf_rewind(yaz_->check);
  const int r = yaz_marc_write_mode(yaz_->mt, yaz_->check);
  yaz_marc_xml(yaz_->mt, YAZ_MARC_LINE);
  if (r != 0) return "";
  absl::string_view out(wrbuf_buf(yaz_->check), wrbuf_len(yaz_->check));
  return CleanUtf8(out.substr(0, std::min(out.find(")\n"), size_t{200})));
}

absl::Status MarcDecoder::CheckSubfieldCodes() {
  // yaz_marc_write_line reads past a subfield's end (strlen from code +
  // code length) when leader/11 claims codes longer than one byte, or when
  // a MARC-8 code byte starts a multi-byte sequence (found by the fuzzer).
  // MARC 21 fixes leader/10-11 at "22" and /20-23 at "4500"; with those
  // set, YAZ's own ISO 2709 writer (which copies each subfield whole) shows
  // every code, and one that is not a printable ASCII byte rejects the
  // record before the line writer runs.
  yaz_marc_modify_leader(yaz_->mt, 10, "22");
  yaz_marc_modify_leader(yaz_->mt, 20, "4500");
  yaz_marc_iconv(yaz_->mt, nullptr);
  WRBUF check = yaz_->check;
  wrbuf_rewind(check);
  if (yaz_marc_write_iso2709(yaz_->mt, check) != 0 || wrbuf_len(check) < 24) {
    return absl::InvalidArgumentError("MARC: malformed leader");
  }
  absl::string_view iso(wrbuf_buf(check), wrbuf_len(check));
  size_t base = 0;
  for (size_t i = 12; i < 17; ++i) base = base * 10 + (iso[i] - '0');
  for (size_t p = iso.find(kSubfieldSep, base); p != absl::string_view::npos;
       p = iso.find(kSubfieldSep, p + 1)) {
    const auto code =
        p + 1 < iso.size() ? static_cast<unsigned char>(iso[p + 1]) : 0u;
    if (code < 0x21 || code > 0x7E) {
      return absl::InvalidArgumentError(
          "MARC: a subfield without a one-character code");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<MarcRecord> MarcDecoder::WriteOut(bool marc8, bool iso2709) {
  if (absl::Status s = CheckSubfieldCodes(); !s.ok()) return s;
  const bool convert = marc8 && yaz_->marc8 != nullptr;
  // For ISO 2709 input, the ISO 2709 the check wrote is the record
  // (unconverted); MARC-8 is written again through the converter. Either
  // is read back directly unless its layout is odd, when the line writer's
  // output is. MARCXML tags may have any length, which YAZ's ISO 2709
  // writer cuts to three bytes: MARCXML always takes the line writer.
  absl::string_view iso;
  if (iso2709 && !convert) {
    iso = absl::string_view(wrbuf_buf(yaz_->check), wrbuf_len(yaz_->check));
  } else if (iso2709) {
    yaz_iconv(yaz_->marc8, nullptr, nullptr, nullptr, nullptr);  // reset
    yaz_marc_iconv(yaz_->mt, yaz_->marc8);
    wrbuf_rewind(yaz_->out);
    iso = yaz_marc_write_iso2709(yaz_->mt, yaz_->out) == 0
              ? absl::string_view(wrbuf_buf(yaz_->out), wrbuf_len(yaz_->out))
              : absl::string_view();
  }
  if (std::optional<MarcRecord> rec = ParseIso2709(iso)) return *std::move(rec);
  if (convert) {
    yaz_iconv(yaz_->marc8, nullptr, nullptr, nullptr, nullptr);
    yaz_marc_iconv(yaz_->mt, yaz_->marc8);
  } else {
    yaz_marc_iconv(yaz_->mt, nullptr);
  }
  wrbuf_rewind(yaz_->out);
  if (yaz_marc_write_line(yaz_->mt, yaz_->out) != 0) {
    return absl::InvalidArgumentError("MARC: no leader");
  }
  return ParseLines(
      absl::string_view(wrbuf_buf(yaz_->out), wrbuf_len(yaz_->out)));
}

absl::StatusOr<MarcRecord> MarcDecoder::DecodeIso2709(absl::string_view bytes,
                                                      MarcEncoding encoding) {
  std::string& buf = yaz_->scratch;
  buf.assign(bytes.data(), bytes.size());
  buf.append(kYazPadding, '\0');
  int r = yaz_marc_read_iso2709(yaz_->mt, buf.data(),
                                static_cast<int>(bytes.size()));
  if (r <= 0) {
    std::string reason = FailureReason();
    return absl::InvalidArgumentError(absl::StrCat(
        "ISO 2709: ", reason.empty() ? "YAZ cannot read the record" : reason));
  }
  return WriteOut(NeedsMarc8(bytes, encoding), /*iso2709=*/true);
}

absl::StatusOr<MarcRecord> MarcDecoder::DecodeXml(
    absl::string_view xml, absl::string_view prefix,
    const std::string& xml_encoding) {
  std::string& doc_text = yaz_->scratch;
  doc_text = absl::StrCat(
      "<w xmlns=\"", kMarcXmlNs,
      "\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"");
  if (!prefix.empty() && prefix != "xsi") {
    absl::StrAppend(&doc_text, " xmlns:", prefix, "=\"", kMarcXmlNs, "\"");
  }
  absl::StrAppend(&doc_text, ">", xml, "</w>");
  xmlDocPtr doc = xmlCtxtReadMemory(
      yaz_->xml, doc_text.data(), static_cast<int>(doc_text.size()), nullptr,
      xml_encoding.empty() ? nullptr : xml_encoding.c_str(),
      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
          XML_PARSE_NOCDATA);
  if (doc == nullptr) {
    const xmlError* e = &yaz_->xml->lastError;
    std::string msg =
        e->message != nullptr ? CleanUtf8(e->message) : "not well-formed";
    absl::StripTrailingAsciiWhitespace(&msg);
    return absl::InvalidArgumentError(absl::StrCat("XML: ", msg));
  }
  struct FreeDoc {
    xmlDocPtr d;
    ~FreeDoc() { xmlFreeDoc(d); }
  } free_doc{doc};
  xmlNode* record = nullptr;
  if (xmlNode* root = xmlDocGetRootElement(doc); root != nullptr) {
    for (xmlNode* n = root->children; n != nullptr; n = n->next) {
      if (n->type == XML_ELEMENT_NODE) {
        record = n;
        break;
      }
    }
  }
  if (record == nullptr || yaz_marc_read_xml(yaz_->mt, record) != 0) {
    std::string reason = record != nullptr ? FailureReason() : "";
    return absl::InvalidArgumentError(absl::StrCat(
        "MARCXML: ", reason.empty() ? "not a MARCXML record (leader, "
                                      "controlfield, datafield, subfield)"
                                    : reason));
  }
  return WriteOut(/*marc8=*/false, /*iso2709=*/false);
}

const std::string& Framer::xml_encoding() const {
  static const std::string* const kNone = new std::string();
  return *kNone;
}

namespace {

// Holds the unconsumed tail of the upload; records are framed from it.
class BufferedFramer : public Framer {
 public:
  absl::Status Feed(absl::string_view data, RecordSink& sink) override {
    buf_.append(data.data(), data.size());
    absl::Status s = Drain(sink, /*final=*/false);
    buf_.erase(0, pos_);
    base_ += static_cast<int64_t>(pos_);
    pos_ = 0;
    return s;
  }
  absl::Status Finish(RecordSink& sink) override {
    return Drain(sink, /*final=*/true);
  }

 protected:
  virtual absl::Status Drain(RecordSink& sink, bool final) = 0;

  absl::Status Bad(RecordSink& sink, size_t at, std::string reason) {
    return sink.OnBadRecord(++number_, base_ + static_cast<int64_t>(at),
                            std::move(reason));
  }
  absl::Status Good(RecordSink& sink, size_t at, size_t len,
                    absl::string_view prefix = "") {
    RawRecord r;
    r.bytes = absl::string_view(buf_).substr(at, len);
    r.number = ++number_;
    r.offset = base_ + static_cast<int64_t>(at);
    r.xml_prefix = prefix;
    return sink.OnRecord(r);
  }

  std::string buf_;
  size_t pos_ = 0;    // consumed bytes of buf_
  int64_t base_ = 0;  // upload offset of buf_[0]
  int64_t number_ = 0;
};

class Iso2709Framer final : public BufferedFramer {
 protected:
  absl::Status Drain(RecordSink& sink, bool final) override {
    while (true) {
      // Newlines, NULs or stray terminators between records are not data.
      while (pos_ < buf_.size() &&
             (buf_[pos_] == '\n' || buf_[pos_] == '\r' || buf_[pos_] == '\0' ||
              buf_[pos_] == ' ' || buf_[pos_] == kRecordEnd)) {
        ++pos_;
      }
      const size_t avail = buf_.size() - pos_;
      if (avail == 0) return absl::OkStatus();
      if (avail < 5) {
        if (!final) return absl::OkStatus();
        absl::Status s = Bad(sink, pos_, "record cut short at end of upload");
        pos_ = buf_.size();
        return s;
      }
      size_t len = 0;
      bool digits = true;
      for (size_t i = 0; i < 5; ++i) {
        char c = buf_[pos_ + i];
        digits = digits && absl::ascii_isdigit(static_cast<unsigned char>(c));
        len = len * 10 + static_cast<size_t>(c - '0');
      }
      std::string reason;
      if (!digits) {
        reason = "record does not start with a five-digit length";
      } else if (len < 26) {
        reason = absl::StrCat("record length ", len, " is too short");
      } else if (avail < len) {
        if (!final) return absl::OkStatus();
        reason = absl::StrCat("record cut short: leader says ", len,
                              " bytes, upload ends after ", avail);
      } else if (buf_[pos_ + len - 1] != kRecordEnd) {
        reason = absl::StrCat("record length ", len,
                              " does not end at a record terminator (0x1D)");
      } else {
        size_t at = pos_;
        pos_ += len;
        if (absl::Status s = Good(sink, at, len); !s.ok()) return s;
        continue;
      }
      // Resynchronize after the next record terminator.
      size_t end = buf_.find(kRecordEnd, pos_);
      if (end == std::string::npos && !final && avail <= kMaxIso2709) {
        return absl::OkStatus();  // the terminator may be in the next chunk
      }
      size_t at = pos_;
      pos_ = end == std::string::npos ? buf_.size() : end + 1;
      if (absl::Status s = Bad(sink, at, std::move(reason)); !s.ok()) return s;
    }
  }
};

class MarcXmlFramer final : public BufferedFramer {
 public:
  const std::string& xml_encoding() const override { return encoding_; }

 protected:
  absl::Status Drain(RecordSink& sink, bool final) override {
    while (true) {
      size_t lt = buf_.find('<', pos_);
      if (lt == std::string::npos) {
        pos_ = buf_.size();  // text between elements
        return absl::OkStatus();
      }
      pos_ = lt;
      absl::string_view rest = absl::string_view(buf_).substr(pos_);
      if (absl::StartsWith(rest, "<?") || absl::StartsWith(rest, "<!--") ||
          absl::StartsWith(rest, "<!") || absl::StartsWith(rest, "</")) {
        absl::string_view close = absl::StartsWith(rest, "<?")     ? "?>"
                                  : absl::StartsWith(rest, "<!--") ? "-->"
                                                                   : ">";
        size_t end = rest.find(close);
        if (end == absl::string_view::npos) {
          if (!final && rest.size() <= kMaxXmlRecord) return absl::OkStatus();
          pos_ = buf_.size();
          return absl::OkStatus();
        }
        if (absl::StartsWith(rest, "<?xml") && base_ + pos_ < 8) {
          NoteDeclaration(rest.substr(0, end));
        }
        pos_ += end + close.size();
        continue;
      }
      // A start tag: read its qualified name.
      size_t name_end = 1;
      while (name_end < rest.size() && rest[name_end] != '>' &&
             rest[name_end] != '/' &&
             !absl::ascii_isspace(static_cast<unsigned char>(rest[name_end]))) {
        ++name_end;
      }
      if (name_end == rest.size()) {
        if (!final && rest.size() <= kMaxXmlRecord) return absl::OkStatus();
        pos_ = buf_.size();
        return absl::OkStatus();
      }
      absl::string_view qname = rest.substr(1, name_end - 1);
      size_t colon = qname.find(':');
      absl::string_view local =
          colon == absl::string_view::npos ? qname : qname.substr(colon + 1);
      absl::string_view prefix =
          colon == absl::string_view::npos ? "" : qname.substr(0, colon);
      if (local != "record") {
        pos_ += 1;  // <collection ...> and the like: look inside
        continue;
      }
      size_t gt = rest.find('>', name_end);
      if (gt != absl::string_view::npos && rest[gt - 1] == '/') {
        size_t at = pos_;
        pos_ += gt + 1;
        RETURN_IF_ERROR(Bad(sink, at, "empty <record/>"));
        continue;
      }
      std::string close = absl::StrCat("</", qname);
      size_t end = std::string::npos;
      // Resume where the last Feed's search for this record's end stopped.
      size_t from = name_end;
      if (waiting_at_ == base_ + static_cast<int64_t>(pos_)) {
        from = std::max(from, searched_);
      }
      for (;;) {
        size_t c = rest.find(close, from);
        if (c == absl::string_view::npos) break;
        size_t after = c + close.size();
        if (after < rest.size() &&
            (rest[after] == '>' ||
             absl::ascii_isspace(static_cast<unsigned char>(rest[after])))) {
          size_t close_gt = rest.find('>', after);
          if (close_gt != absl::string_view::npos) end = close_gt + 1;
          break;
        }
        if (after >= rest.size()) break;  // need more bytes to decide
        from = after;
      }
      if (end == std::string::npos) {
        if (!final && rest.size() <= kMaxXmlRecord) {
          waiting_at_ = base_ + static_cast<int64_t>(pos_);
          searched_ = rest.size() > close.size() + 1
                          ? rest.size() - close.size() - 1
                          : 0;
          return absl::OkStatus();
        }
        size_t at = pos_;
        pos_ += 1;  // skip this start tag's '<' and look for the next record
        RETURN_IF_ERROR(Bad(sink, at,
                            final ? "record cut short: no closing </record>"
                                  : "record longer than 4 MiB"));
        continue;
      }
      size_t at = pos_;
      pos_ += end;
      RETURN_IF_ERROR(Good(sink, at, end, prefix));
    }
  }

 private:
  void NoteDeclaration(absl::string_view decl) {
    size_t e = decl.find("encoding");
    if (e == absl::string_view::npos) return;
    size_t q = decl.find_first_of("\"'", e);
    if (q == absl::string_view::npos) return;
    size_t q2 = decl.find(decl[q], q + 1);
    if (q2 == absl::string_view::npos) return;
    std::string enc(decl.substr(q + 1, q2 - q - 1));
    if (!absl::EqualsIgnoreCase(enc, "utf-8") && enc.size() < 40) {
      encoding_ = enc;
    }
  }

  std::string encoding_;
  // The record whose end is still to come (upload offset of its '<'), and
  // how far past its start the search for the end has already looked.
  int64_t waiting_at_ = -1;
  size_t searched_ = 0;
};

}  // namespace

std::unique_ptr<Framer> NewIso2709Framer() {
  return std::make_unique<Iso2709Framer>();
}
std::unique_ptr<Framer> NewMarcXmlFramer() {
  return std::make_unique<MarcXmlFramer>();
}

}  // namespace silang::catalog
