#include "tools/silangctl/catalog_cmd.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/status_macros.h"
#include "silang/v1/catalog.grpc.pb.h"
#include "tools/silangctl/format.h"
#include "tools/silangctl/names.h"

namespace silang::ctl {
namespace {

using Catalog = v1::CatalogService::Stub;

constexpr size_t kChunk = 256 << 10;  // well under gRPC's 4 MiB message cap

struct ImportFlags {
  std::string library;
  std::string file;
  std::string format;    // empty: from the file name
  std::string encoding;  // empty: from each record's leader
  std::vector<std::string> maps;
  std::vector<std::string> statuses;
  int max_rejects = 0;
  double timeout_seconds = 3600;
};

absl::StatusOr<v1::CatalogFormat> FormatOf(const ImportFlags& f) {
  std::string name = absl::AsciiStrToLower(f.format);
  if (name.empty()) {
    std::string file = absl::AsciiStrToLower(f.file);
    if (absl::EndsWith(file, ".xml")) {
      name = "marcxml";
    } else if (absl::EndsWith(file, ".csv")) {
      name = "csv";
    } else if (absl::EndsWith(file, ".mrc") || absl::EndsWith(file, ".marc") ||
               absl::EndsWith(file, ".iso") || absl::EndsWith(file, ".dat")) {
      name = "marc21";
    } else {
      return UsageError("catalog import: cannot tell the format from " +
                        f.file + "; give --format marc21, marcxml or csv");
    }
  }
  if (name == "marc21" || name == "iso2709") return v1::CATALOG_FORMAT_MARC21;
  if (name == "marcxml") return v1::CATALOG_FORMAT_MARCXML;
  if (name == "csv") return v1::CATALOG_FORMAT_CSV;
  return UsageError("--format: marc21, marcxml or csv, not " + f.format);
}

absl::StatusOr<v1::ImportHeader> HeaderOf(const ImportFlags& f) {
  v1::ImportHeader h;
  h.set_library_id(f.library);
  ASSIGN_OR_RETURN(v1::CatalogFormat format, FormatOf(f));
  h.set_format(format);
  const std::string encoding = absl::AsciiStrToLower(f.encoding);
  if (encoding == "marc8" || encoding == "marc-8") {
    h.set_encoding(v1::CATALOG_ENCODING_MARC8);
  } else if (encoding == "utf8" || encoding == "utf-8") {
    h.set_encoding(v1::CATALOG_ENCODING_UTF8);
  } else if (!encoding.empty()) {
    return UsageError("--encoding: marc8 or utf8, not " + f.encoding);
  }
  for (const std::string& m : f.maps) {
    size_t eq = m.rfind('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == m.size()) {
      return UsageError("--map: want BRANCH=LIBRARY, not " + m);
    }
    (*h.mutable_branches())[m.substr(0, eq)] = m.substr(eq + 1);
  }
  for (const std::string& m : f.statuses) {
    size_t eq = m.rfind('=');
    std::optional<int> availability =
        eq == std::string::npos
            ? std::nullopt
            : ParseEnum(*v1::Availability_descriptor(), m.substr(eq + 1));
    if (!availability.has_value() || eq == 0) {
      return UsageError(
          "--status: want STATUS=AVAILABILITY (e.g. lost=withdrawn, "
          "itype:REF=not-for-loan), not " +
          m);
    }
    (*h.mutable_statuses())[m.substr(0, eq)] =
        static_cast<v1::Availability>(*availability);
  }
  h.set_max_rejects(f.max_rejects);
  return h;
}

// A one-line progress bar on stderr, redrawn at most ten times a second.
class Progress {
 public:
  Progress(int64_t total, bool enabled) : total_(total), enabled_(enabled) {}

  void Update(int64_t sent) {
    if (!enabled_) return;
    auto now = std::chrono::steady_clock::now();
    if (sent < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    const double fraction =
        total_ > 0 ? static_cast<double>(sent) / static_cast<double>(total_)
                   : 1.0;
    const int filled = static_cast<int>(fraction * 30);
    std::fprintf(stderr, "\r[%s%s] %3.0f%% %.1f/%.1f MiB %.1f MiB/s ",
                 std::string(filled, '#').c_str(),
                 std::string(30 - filled, '.').c_str(), fraction * 100,
                 sent / 1048576.0, total_ / 1048576.0,
                 seconds > 0 ? sent / 1048576.0 / seconds : 0.0);
  }

  void Done(const std::string& note) {
    if (enabled_) std::fprintf(stderr, "\r%-78s\r%s", "", note.c_str());
  }

 private:
  const int64_t total_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_{};
};

std::string SummaryText(const std::string& file, const v1::ImportSummary& s) {
  std::string out = absl::StrFormat(
      "imported %s: %d records (%d rejected), %d titles (%d new), %d "
      "holdings (%d previous removed), items rejected %d, bad ISBNs %d\n",
      file, s.records_read(), s.records_rejected(), s.titles(),
      s.titles_created(), s.holdings(), s.holdings_removed(),
      s.items_rejected(), s.bad_isbns());
  for (const auto& l : s.libraries()) {
    absl::StrAppendFormat(&out, "  %s %d holdings\n", l.library_id(),
                          l.holdings());
  }
  for (const auto& r : s.rejects()) {
    absl::StrAppendFormat(&out, "  reject: record %d (byte %d): %s\n",
                          r.record(), r.byte_offset(), r.reason());
  }
  const int64_t unlisted =
      s.records_rejected() + s.items_rejected() - s.rejects_size();
  if (unlisted > 0) {
    absl::StrAppendFormat(&out, "  ... and %d more rejects (--max-rejects)\n",
                          unlisted);
  }
  for (const auto& w : s.warnings()) out += "  warning: " + w + "\n";
  return out;
}

absl::Status Import(Session& s, const ImportFlags& f) {
  ASSIGN_OR_RETURN(v1::ImportHeader header, HeaderOf(f));
  std::ifstream in(f.file, std::ios::binary | std::ios::ate);
  if (!in) return UsageError("cannot read " + f.file);
  const int64_t size = in.tellg();
  in.seekg(0);
  grpc::ClientContext context;
  s.Prepare(context, f.timeout_seconds);
  v1::ImportSummary summary;
  auto writer = s.catalog().ImportHoldings(&context, &summary);
  Progress progress(size, isatty(STDERR_FILENO) && !s.options().json);
  v1::ImportChunk chunk;
  *chunk.mutable_header() = header;
  bool open = writer->Write(chunk);
  std::string buf(kChunk, '\0');
  int64_t sent = 0;
  while (open && in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = in.gcount();
    if (n <= 0) break;
    chunk.set_data(buf.data(), static_cast<size_t>(n));
    open = writer->Write(chunk);  // false: the server has ended the call
    sent += n;
    progress.Update(sent);
  }
  // The end chunk tells the server the file is whole; without it (a read
  // error part way) the server imports nothing.
  if (open && !(in.eof() && !in.bad() && sent == size)) {
    context.TryCancel();  // no end chunk: the server imports nothing
    (void)writer->Finish();
    progress.Done("");
    return absl::DataLossError(absl::StrCat(f.file, ": read ", sent, " of its ",
                                            size, " bytes; nothing imported"));
  }
  if (open) {
    chunk.mutable_end()->set_data_bytes(sent);
    open = writer->Write(chunk);
  }
  if (open) writer->WritesDone();
  progress.Done(open ? "" : "upload stopped by the server\n");
  const grpc::Status status = writer->Finish();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  if (!open) return absl::InternalError("upload cut short");
  Emit(summary, s.options().json, SummaryText(f.file, summary));
  return absl::OkStatus();
}

void AddImport(CLI::App* parent, Runner* run) {
  CLI::App* cmd = parent->add_subcommand(
      "import",
      "Replace a library's holdings with its catalogue export (MARC21, "
      "MARCXML or CSV)");
  auto f = std::make_shared<ImportFlags>();
  cmd->add_option("--library", f->library,
                  "The library whose catalogue this is")
      ->required();
  cmd->add_option("--file", f->file, "The export")->required();
  cmd->add_option("--format", f->format,
                  "marc21, marcxml or csv (default: from the file name)");
  cmd->add_option("--encoding", f->encoding,
                  "MARC21 text: marc8 or utf8 (default: each record's "
                  "leader/09)");
  cmd->add_option("--map", f->maps,
                  "BRANCH=LIBRARY: items of this branch code belong to "
                  "LIBRARY, whose holdings the import replaces too; \"*\" "
                  "for all other branches")
      ->type_name("BRANCH=LIBRARY");
  cmd->add_option("--status", f->statuses,
                  "STATUS=AVAILABILITY over the defaults; STATUS is "
                  "available, onloan, notforloan, damaged, lost, withdrawn "
                  "or itype:CODE")
      ->type_name("STATUS=AVAILABILITY");
  cmd->add_option("--max-rejects", f->max_rejects,
                  "How many rejects to list (default 100)")
      ->check(CLI::Range(0, 10000));
  cmd->add_option("--import-timeout", f->timeout_seconds,
                  "Deadline of the whole upload")
      ->check(CLI::PositiveNumber)
      ->capture_default_str()
      ->type_name("SECONDS");
  OnRun(cmd, run, [f](Session& s) { return Import(s, *f); });
}

std::string TitleLine(const v1::CatalogTitle& t) {
  std::string line = TitleText(t.title());
  if (!t.title_text().empty()) absl::StrAppend(&line, "  ", t.title_text());
  if (!t.author().empty()) absl::StrAppend(&line, " / ", t.author());
  if (!t.year().empty()) absl::StrAppend(&line, " (", t.year(), ")");
  if (t.holding_library_ids_size() == 0) {
    absl::StrAppend(&line, "  held by nobody now");
  } else {
    absl::StrAppend(&line, "  held by ",
                    absl::StrJoin(t.holding_library_ids(), " "), " (",
                    t.holdings(), t.holdings() == 1 ? " item)" : " items)");
  }
  return line;
}

void AddSearch(CLI::App* parent, Runner* run) {
  CLI::App* cmd = parent->add_subcommand(
      "search", "Find titles by ISBN, ISSN or title words");
  auto isbn = std::make_shared<std::string>();
  auto issn = std::make_shared<std::string>();
  auto words = std::make_shared<std::string>();
  auto page = std::make_shared<PageFlags>();
  CLI::Option* o_isbn = cmd->add_option("--isbn", *isbn,
                                        "ISBN-10 or ISBN-13, also a title's "
                                        "second ISBN");
  CLI::Option* o_issn = cmd->add_option("--issn", *issn, "ISSN");
  CLI::Option* o_words =
      cmd->add_option("--words", *words, "Title words; all must match");
  o_isbn->excludes(o_issn)->excludes(o_words);
  o_issn->excludes(o_words);
  AddPageFlags(cmd, page.get());
  OnRun(cmd, run, [=](Session& s) -> absl::Status {
    v1::SearchTitlesRequest request;
    if (!isbn->empty()) {
      request.set_isbn(*isbn);
    } else if (!issn->empty()) {
      request.set_issn(*issn);
    } else if (!words->empty()) {
      request.set_words(*words);
    } else {
      return UsageError("catalog search: give --isbn, --issn or --words");
    }
    v1::SearchTitlesResponse reply;
    RETURN_IF_ERROR(FetchPages(s, s.catalog(), &Catalog::SearchTitles,
                               request, *page, &reply));
    EmitPage(s, reply, Lines(reply.titles(), TitleLine));
    return absl::OkStatus();
  });
}

}  // namespace

void AddCatalogCommands(CLI::App& app, Runner* run) {
  CLI::App* catalog =
      app.add_subcommand("catalog", "The union catalogue: import, search");
  catalog->group("Directory")->require_subcommand(1);
  AddImport(catalog, run);
  AddSearch(catalog, run);
}

}  // namespace silang::ctl
