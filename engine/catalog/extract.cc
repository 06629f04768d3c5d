#include "engine/catalog/extract.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/catalog/text.h"
#include "engine/limits.h"
#include "engine/title_key.h"

namespace silang::catalog {
namespace {

namespace s = storage::v1;

// Text as stored: valid UTF-8, no control characters, trimmed, cut to max
// bytes at a character boundary.
std::string Clip(absl::string_view text, size_t max) {
  std::string clean = CleanUtf8(text);
  absl::string_view v = absl::StripAsciiWhitespace(clean);
  return std::string(TruncateUtf8(v, max));
}

// Strips ISBD punctuation that ends a MARC subfield ("Title :", "Name,").
absl::string_view TrimIsbd(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  while (!v.empty() && absl::StrContains(" /:;,=.", v.back())) {
    v.remove_suffix(1);
  }
  return absl::StripAsciiWhitespace(v);
}

// The ISBN- or ISSN-like token an identifier subfield starts with:
// "0553268473 (pbk.) :" -> "0553268473".
absl::string_view LeadingIdToken(absl::string_view v) {
  v = absl::StripLeadingAsciiWhitespace(v);
  size_t n = 0;
  while (n < v.size() &&
         (absl::ascii_isdigit(static_cast<unsigned char>(v[n])) ||
          v[n] == '-' || v[n] == ' ' || v[n] == 'X' || v[n] == 'x')) {
    ++n;
  }
  return absl::StripTrailingAsciiWhitespace(v.substr(0, n));
}

std::string FirstYear(absl::string_view v) {
  for (size_t i = 0; i + 4 <= v.size(); ++i) {
    bool four = true;
    for (size_t k = 0; k < 4; ++k) {
      four = four && absl::ascii_isdigit(static_cast<unsigned char>(v[i + k]));
    }
    if (four) return std::string(v.substr(i, 4));
  }
  return "";
}

// Skips `count` characters (not bytes) of UTF-8 text: MARC's nonfiling
// indicator counts characters.
absl::string_view SkipChars(absl::string_view v, int count) {
  size_t i = 0;
  while (count > 0 && i < v.size()) {
    ++i;
    while (i < v.size() && (static_cast<unsigned char>(v[i]) & 0xC0) == 0x80) {
      ++i;
    }
    --count;
  }
  return v.substr(i);
}

s::MaterialType MaterialOf(absl::string_view leader) {
  if (leader.size() < 8) return s::MATERIAL_TYPE_UNSPECIFIED;
  switch (leader[6]) {
    case 'a':
    case 't':
      return leader[7] == 's' ? s::MATERIAL_TYPE_SERIAL : s::MATERIAL_TYPE_BOOK;
    case 'e':
    case 'f':
      return s::MATERIAL_TYPE_MAP;
    case 'g':
    case 'i':
    case 'j':
    case 'k':
    case 'o':
    case 'r':
      return s::MATERIAL_TYPE_AUDIOVISUAL;
    default:
      return s::MATERIAL_TYPE_OTHER;
  }
}

bool Flag(absl::string_view v) {
  v = absl::StripAsciiWhitespace(v);
  return !v.empty() && v != "0";
}

int64_t DayMicros(absl::string_view v) {
  absl::CivilDay day;
  absl::string_view date = absl::StripAsciiWhitespace(v).substr(0, 10);
  if (!absl::ParseCivilTime(date, &day)) return 0;
  return absl::ToUnixMicros(absl::FromCivil(day, absl::UTCTimeZone()));
}

// One item field, before mapping.
struct Item {
  std::string branch;
  std::string id;
  std::string call_number;
  std::string type;
  const char* status = kStatusAvailable;
  int64_t due_us = 0;
};

bool ItemOf(const MarcField& f, Item& item) {
  if (f.tag == "952") {
    item.branch = std::string(f.Sub('a').empty() ? f.Sub('b') : f.Sub('a'));
    item.id = std::string(f.Sub('p').empty() ? f.Sub('9') : f.Sub('p'));
    item.call_number = std::string(f.Sub('o'));
    item.type = std::string(f.Sub('y'));
    if (Flag(f.Sub('0'))) {
      item.status = kStatusWithdrawn;
    } else if (Flag(f.Sub('1'))) {
      item.status = kStatusLost;
    } else if (Flag(f.Sub('4'))) {
      item.status = kStatusDamaged;
    } else if (Flag(f.Sub('7'))) {
      item.status = kStatusNotForLoan;
    } else if (!absl::StripAsciiWhitespace(f.Sub('q')).empty()) {
      item.status = kStatusOnLoan;
      item.due_us = DayMicros(f.Sub('q'));
    }
    return true;
  }
  if (f.tag == "949") {
    item.branch = std::string(f.Sub('m'));
    item.id = std::string(f.Sub('i'));
    item.call_number = std::string(f.Sub('a'));
    item.type = std::string(f.Sub('t'));
    return true;
  }
  if (f.tag == "852") {
    // Without a location or a piece designation it describes no item
    // (e.g. "852 $x universal pattern").
    if (f.Sub('a').empty() && f.Sub('b').empty() && f.Sub('p').empty()) {
      return false;
    }
    item.branch = std::string(f.Sub('b').empty() ? f.Sub('a') : f.Sub('b'));
    item.id = std::string(f.Sub('p'));
    if (item.id.empty()) {
      absl::string_view note = f.Sub('x');
      if (absl::StrContains(absl::AsciiStrToLower(note), "accession")) {
        size_t colon = note.rfind(':');
        if (colon != absl::string_view::npos) {
          item.id =
              std::string(absl::StripAsciiWhitespace(note.substr(colon + 1)));
        }
      }
    }
    std::vector<absl::string_view> call;
    for (char c : {'h', 'i'}) {
      absl::string_view part = absl::StripAsciiWhitespace(f.Sub(c));
      if (!part.empty()) call.push_back(part);
    }
    item.call_number =
        call.empty() ? std::string(f.Sub('j')) : absl::StrJoin(call, " ");
    return true;
  }
  return false;
}

// Fills the identifiers of `title` from ISBN and ISSN strings; returns how
// many ISBNs were not valid.
int AddIdentifiers(const std::vector<absl::string_view>& isbns,
                   const std::vector<absl::string_view>& issns,
                   TitleRecord& title) {
  int bad = 0;
  std::set<std::string> seen;
  for (absl::string_view raw : isbns) {
    absl::string_view token = LeadingIdToken(raw);
    if (token.empty()) continue;
    auto isbn = NormalizeIsbn(token);
    if (!isbn.ok()) {
      ++bad;
      continue;
    }
    if (seen.insert(*isbn).second) title.add_isbns(*isbn);
  }
  for (absl::string_view raw : issns) {
    absl::string_view token = LeadingIdToken(raw);
    if (token.empty()) continue;
    auto issn = NormalizeIssn(token);
    if (issn.ok() && seen.insert(*issn).second) title.add_issns(*issn);
  }
  return bad;
}

// Sets the title key from the identifiers, else the match key; false if
// there is nothing to key on.
bool KeyTitle(TitleRecord& title, absl::string_view filing_title) {
  if (title.isbns_size() > 0) {
    title.set_title_key(IsbnKey(title.isbns(0)));
  } else if (title.issns_size() > 0) {
    title.set_title_key(IssnKey(title.issns(0)));
  } else if (!Fold(filing_title).empty()) {
    title.set_title_key(
        MatchTitleKey(filing_title, title.author(), title.year()));
  } else {
    return false;
  }
  return true;
}

absl::Status MapItem(const ItemMapping& mapping, const Item& item,
                     const TitleRecord& title, s::MaterialType material,
                     HoldingRecord& h) {
  absl::string_view branch = absl::StripAsciiWhitespace(item.branch);
  std::string library = mapping.library_id;
  if (!mapping.branches.empty() && !branch.empty()) {
    library = mapping.LibraryFor(branch);
    if (library.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("branch \"", Clip(branch, 64),
                       "\" is not mapped to a library (map it, or map \"*\")"));
    }
  }
  std::string id = Clip(item.id, 1000);
  if (id.size() > limits::kItemIdLen) {
    return absl::InvalidArgumentError(
        absl::StrCat("item id longer than ", limits::kItemIdLen, " bytes"));
  }
  h.set_library_id(library);
  h.set_title_key(title.title_key());
  h.set_item_id(std::move(id));
  h.set_call_number(Clip(item.call_number, limits::kNameLen));
  h.set_material_type(material);
  h.set_availability(mapping.AvailabilityFor(item.status, item.type));
  if (h.availability() == s::AVAILABILITY_ON_LOAN) {
    h.set_available_from_us(item.due_us);
  }
  return absl::OkStatus();
}

}  // namespace

std::string ItemMapping::LibraryFor(absl::string_view branch) const {
  auto it = branches.find(std::string(branch));
  if (it != branches.end()) return it->second;
  it = branches.find("*");
  return it != branches.end() ? it->second : "";
}

Availability ItemMapping::AvailabilityFor(absl::string_view status,
                                          absl::string_view item_type) const {
  if (status == kStatusAvailable && !item_type.empty()) {
    auto it = statuses.find(absl::StrCat("itype:", item_type));
    if (it != statuses.end()) return it->second;
  }
  auto it = statuses.find(std::string(status));
  if (it != statuses.end()) return it->second;
  if (status == kStatusAvailable) return s::AVAILABILITY_ON_SHELF;
  if (status == kStatusOnLoan) return s::AVAILABILITY_ON_LOAN;
  if (status == kStatusNotForLoan || status == kStatusDamaged) {
    return s::AVAILABILITY_NOT_FOR_LOAN;
  }
  if (status == kStatusLost || status == kStatusWithdrawn) {
    return s::AVAILABILITY_WITHDRAWN;
  }
  return s::AVAILABILITY_UNSPECIFIED;
}

std::vector<std::string> ItemMapping::Libraries() const {
  std::set<std::string> ids = {library_id};
  for (const auto& [branch, id] : branches) ids.insert(id);
  return {ids.begin(), ids.end()};
}

absl::StatusOr<Availability> ParseAvailability(absl::string_view text,
                                               const ItemMapping& mapping) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  if (auto it = mapping.statuses.find(t); it != mapping.statuses.end()) {
    return it->second;
  }
  if (absl::StartsWith(t, "availability_")) t = t.substr(13);
  std::string compact;
  for (char c : t) {
    if (c != '_' && c != '-' && c != ' ') compact.push_back(c);
  }
  if (compact.empty() || compact == "unspecified" || compact == "unknown") {
    return s::AVAILABILITY_UNSPECIFIED;
  }
  if (compact == "onshelf") return s::AVAILABILITY_ON_SHELF;
  for (const char* status : {kStatusAvailable, kStatusOnLoan, kStatusNotForLoan,
                             kStatusDamaged, kStatusLost, kStatusWithdrawn}) {
    if (compact == status) return mapping.AvailabilityFor(status, "");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "availability \"", Clip(text, 64),
      "\": not on_shelf, on_loan, not_for_loan, withdrawn or a mapped "
      "status"));
}

absl::StatusOr<Extracted> ExtractMarc(const MarcRecord& record,
                                      int64_t record_number,
                                      const ItemMapping& mapping) {
  Extracted out;
  TitleRecord& title = out.title;
  std::vector<absl::string_view> isbns;
  std::vector<absl::string_view> issns;
  std::string filing_title;  // without nonfiling characters (245 ind2)
  std::string control_number;
  std::string year_008;
  const MarcField* author = nullptr;
  int author_rank = 9;
  std::string year;
  int year_rank = 9;
  for (const MarcField& f : record.fields) {
    if (f.tag == "001" && control_number.empty()) {
      control_number = Clip(f.data, 64);
    } else if (f.tag == "008" && f.data.size() >= 11) {
      year_008 = FirstYear(absl::string_view(f.data).substr(7, 4));
    } else if (f.tag == "020") {
      for (const auto& sf : f.subfields) {
        if (sf.code == "a") isbns.push_back(sf.value);
      }
    } else if (f.tag == "022") {
      for (const auto& sf : f.subfields) {
        if (sf.code == "a") issns.push_back(sf.value);
      }
    } else if (f.tag == "245" && title.title().empty()) {
      std::vector<absl::string_view> parts;
      for (const auto& sf : f.subfields) {
        if (sf.code == "a" || sf.code == "b" || sf.code == "n" ||
            sf.code == "p") {
          absl::string_view part = TrimIsbd(sf.value);
          if (!part.empty()) parts.push_back(part);
        }
      }
      std::string full = absl::StrJoin(parts, " ");
      title.set_title(Clip(full, limits::kTitleLen));
      int nonfiling = absl::ascii_isdigit(static_cast<unsigned char>(f.ind2))
                          ? f.ind2 - '0'
                          : 0;
      filing_title = std::string(SkipChars(full, nonfiling));
    } else if ((f.tag == "100" || f.tag == "110" || f.tag == "111") &&
               (f.tag == "100"   ? 0
                : f.tag == "110" ? 1
                                 : 2) < author_rank) {
      author = &f;
      author_rank = f.tag == "100" ? 0 : f.tag == "110" ? 1 : 2;
    } else if ((f.tag == "260" || f.tag == "264") &&
               (f.tag == "260" ? 0 : 1) < year_rank) {
      std::string y = FirstYear(f.Sub('c'));
      if (!y.empty()) {
        year = y;
        year_rank = f.tag == "260" ? 0 : 1;
      }
    }
  }
  if (author != nullptr) {
    title.set_author(Clip(TrimIsbd(author->Sub('a')), limits::kAuthorLen));
  }
  title.set_year(year.empty() ? year_008 : year);
  out.bad_isbns = AddIdentifiers(isbns, issns, title);
  if (!KeyTitle(title, filing_title)) {
    return absl::InvalidArgumentError(
        "no ISBN (020$a), ISSN (022$a) or title (245$a) to match it by");
  }
  const s::MaterialType material = MaterialOf(record.leader);
  // A library system's own item fields win: in a record with 952 (or 949)
  // items, an 852 is location data copied from the source record.
  absl::string_view item_tag = "852";
  for (const MarcField& f : record.fields) {
    if (f.tag == "952") item_tag = "952";
    if (f.tag == "949" && item_tag == "852") item_tag = "949";
  }
  int n = 0;
  for (const MarcField& f : record.fields) {
    Item item;
    if (f.tag != item_tag || !ItemOf(f, item)) continue;
    ++n;
    if (absl::StripAsciiWhitespace(item.id).empty()) {
      item.id =
          absl::StrCat(control_number.empty() ? absl::StrCat("r", record_number)
                                              : control_number,
                       "-", n);
    }
    HoldingRecord h;
    if (absl::Status st = MapItem(mapping, item, title, material, h);
        !st.ok()) {
      out.item_errors.push_back(
          absl::StrCat(f.tag, " #", n, ": ", st.message()));
      continue;
    }
    out.holdings.push_back(std::move(h));
  }
  return out;
}

absl::StatusOr<CsvColumns> CsvColumns::FromHeader(
    const std::vector<std::string>& header) {
  CsvColumns c;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(
        i == 0 && absl::StartsWith(header[i], "\xEF\xBB\xBF")
            ? absl::string_view(header[i]).substr(3)
            : absl::string_view(header[i])));
    int idx = static_cast<int>(i);
    if (name == "isbn") c.isbn = idx;
    if (name == "issn") c.issn = idx;
    if (name == "title") c.title = idx;
    if (name == "author") c.author = idx;
    if (name == "year") c.year = idx;
    if (name == "item_id") c.item_id = idx;
    if (name == "availability") c.availability = idx;
    if (name == "call_number") c.call_number = idx;
    if (name == "branch") c.branch = idx;
  }
  if (c.item_id < 0) {
    return absl::InvalidArgumentError("CSV header: no item_id column");
  }
  if (c.isbn < 0 && c.issn < 0 && c.title < 0) {
    return absl::InvalidArgumentError(
        "CSV header: needs an isbn, issn or title column");
  }
  return c;
}

absl::StatusOr<Extracted> ExtractCsv(const std::vector<std::string>& cells,
                                     const CsvColumns& columns,
                                     const ItemMapping& mapping) {
  auto cell = [&](int i) -> absl::string_view {
    return i >= 0 && static_cast<size_t>(i) < cells.size()
               ? absl::string_view(cells[i])
               : absl::string_view();
  };
  Extracted out;
  TitleRecord& title = out.title;
  title.set_title(Clip(TrimIsbd(cell(columns.title)), limits::kTitleLen));
  title.set_author(Clip(TrimIsbd(cell(columns.author)), limits::kAuthorLen));
  title.set_year(FirstYear(cell(columns.year)));
  std::vector<absl::string_view> isbns = absl::StrSplit(
      cell(columns.isbn), absl::ByAnyChar(";|"), absl::SkipWhitespace());
  std::vector<absl::string_view> issns = absl::StrSplit(
      cell(columns.issn), absl::ByAnyChar(";|"), absl::SkipWhitespace());
  out.bad_isbns = AddIdentifiers(isbns, issns, title);
  if (!KeyTitle(title, title.title())) {
    return absl::InvalidArgumentError(
        "no valid isbn, issn or title to match it by");
  }
  if (absl::StripAsciiWhitespace(cell(columns.item_id)).empty()) {
    return absl::InvalidArgumentError("item_id: required");
  }
  Availability availability = s::AVAILABILITY_UNSPECIFIED;
  if (columns.availability >= 0) {
    auto a = ParseAvailability(cell(columns.availability), mapping);
    if (!a.ok()) return a.status();
    availability = *a;
  }
  Item item;
  item.branch = std::string(cell(columns.branch));
  item.id = std::string(cell(columns.item_id));
  item.call_number = std::string(cell(columns.call_number));
  HoldingRecord h;
  if (absl::Status st =
          MapItem(mapping, item, title, s::MATERIAL_TYPE_UNSPECIFIED, h);
      !st.ok()) {
    return st;
  }
  h.set_availability(availability);
  out.holdings.push_back(std::move(h));
  return out;
}

}  // namespace silang::catalog
