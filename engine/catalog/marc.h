// MARC records read with YAZ, and the framers that find record boundaries
// in an upload that arrives in arbitrary chunks.
//
// Decoding is YAZ's: yaz_marc_read_iso2709 or yaz_marc_read_xml fills a
// yaz_marc_t, MARC-8 is converted to UTF-8 with yaz_iconv, and the record
// comes back out through one of YAZ's writers with MARC's own separators
// (subfield 0x1F, field 0x1E) so that no data byte can be mistaken for
// structure: yaz_marc_write_iso2709 for ISO 2709 input (it is written
// anyway, to check subfield codes), yaz_marc_write_line for MARCXML and
// for the odd record whose ISO 2709 output does not match its own
// directory. (yaz_marc_t has no field accessors, and writing a libxml2
// tree to walk instead costs four times as much per record.)
//
// Framing is ours: an ISO 2709 record is as long as its leader says and
// ends in 0x1D; a MARCXML record is one <record> element, which is parsed
// on its own so that one malformed record is skipped, not the whole file,
// and memory stays bounded by the largest record, not the file.
//
// Not thread-safe: each importer owns its decoder and framer.
#ifndef SILANG_ENGINE_CATALOG_MARC_H_
#define SILANG_ENGINE_CATALOG_MARC_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace silang::catalog {

struct MarcSubfield {
  std::string code;  // one character, usually one ASCII letter or digit
  std::string value;
};

struct MarcField {
  std::string tag;
  char ind1 = ' ';
  char ind2 = ' ';
  std::string data;  // control fields (00X) only
  std::vector<MarcSubfield> subfields;

  // The first value of subfield `code`; empty if none.
  absl::string_view Sub(char code) const;
};

// One record, all text UTF-8 (not yet checked: see CleanUtf8).
struct MarcRecord {
  std::string leader;
  std::vector<MarcField> fields;

  // The first field with this tag, or null.
  const MarcField* Find(absl::string_view tag) const;
};

// How ISO 2709 text is encoded.
enum class MarcEncoding {
  // Leader position 9: 'a' is UTF-8, blank is MARC-8; except that a record
  // marked blank whose bytes are valid UTF-8 with no MARC-8 escape is read
  // as UTF-8 (MARC-8 text is never valid multi-byte UTF-8 in practice, and
  // many exporters leave position 9 blank for UTF-8).
  kAuto,
  kMarc8,
  kUtf8,
};

// Decodes records with YAZ. Construct once per importer.
class MarcDecoder {
 public:
  MarcDecoder();
  ~MarcDecoder();
  MarcDecoder(const MarcDecoder&) = delete;
  MarcDecoder& operator=(const MarcDecoder&) = delete;

  // bytes: exactly one ISO 2709 record. InvalidArgument with YAZ's reason
  // if it cannot be read.
  absl::StatusOr<MarcRecord> DecodeIso2709(absl::string_view bytes,
                                           MarcEncoding encoding);
  // xml: one <record> element (prefix allowed) in xml_encoding (empty:
  // UTF-8), without namespace declarations of its own.
  absl::StatusOr<MarcRecord> DecodeXml(absl::string_view xml,
                                       absl::string_view prefix,
                                       const std::string& xml_encoding);

 private:
  struct Yaz;
  absl::Status CheckSubfieldCodes();
  std::string FailureReason();
  // The record YAZ holds, converted from MARC-8 if marc8; iso2709: it was
  // read from ISO 2709 (every tag three bytes).
  absl::StatusOr<MarcRecord> WriteOut(bool marc8, bool iso2709);
  std::unique_ptr<Yaz> yaz_;
};

// A framed record: its bytes and where it sits in the upload.
struct RawRecord {
  absl::string_view bytes;
  int64_t number = 0;            // 1-based, counting bad records too
  int64_t offset = 0;            // byte offset of its first byte
  absl::string_view xml_prefix;  // MARCXML: the element's namespace prefix
};

// Receives framed records. A status other than OK stops the framer and is
// returned from Feed/Finish (the store failed, not the input).
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual absl::Status OnRecord(const RawRecord& record) = 0;
  // Bytes that are not a record; the framer has skipped them.
  virtual absl::Status OnBadRecord(int64_t number, int64_t offset,
                                   std::string reason) = 0;
};

class Framer {
 public:
  virtual ~Framer() = default;
  virtual absl::Status Feed(absl::string_view data, RecordSink& sink) = 0;
  // End of upload: a record cut short is reported bad.
  virtual absl::Status Finish(RecordSink& sink) = 0;
  // For MARCXML: the encoding named in the XML declaration, if any.
  virtual const std::string& xml_encoding() const;
};

std::unique_ptr<Framer> NewIso2709Framer();
std::unique_ptr<Framer> NewMarcXmlFramer();

}  // namespace silang::catalog

#endif  // SILANG_ENGINE_CATALOG_MARC_H_
