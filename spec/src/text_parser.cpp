// Parser of the .vtg text format: a hand-written lexer producing one token of
// lookahead, and a recursive-descent parser over the (non-recursive) grammar in
// docs/vtg-format.md. Every error is a ParseError "FILE:LINE:COL: expected X,
// found Y"; the lexer never looks back, so parsing is linear in the input.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "vt/spec/text_format.hpp"

namespace vt::spec {

// Bytes outside printable ASCII print as \xNN so that a message about binary
// garbage stays one readable line.
std::string escape_bytes(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (b >= 0x20 && b < 0x7f) {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
    }
  }
  return out;
}

std::string quote_bytes(std::string_view s) {
  constexpr std::size_t kMaxShown = 40;  // a 1 MB bogus token must not become a 1 MB message
  if (s.size() > kMaxShown) return "'" + escape_bytes(s.substr(0, kMaxShown)) + "...'";
  return "'" + escape_bytes(s) + "'";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || is_digit(c); }
bool is_value_char(char c) { return is_ident_char(c) || c == '.'; }



enum class Tok { Ident, Value, Int, Float, LParen, RParen, LBrace, RBrace, LBracket, RBracket, Comma, Colon, Equals, End };

struct Token {
  Tok kind = Tok::End;
  std::string_view text;  // points into the source; empty for End
  SrcLoc loc;
};

std::string describe(const Token& t) { return t.kind == Tok::End ? "end of input" : quote_bytes(t.text); }

[[noreturn]] void fail_at(std::string_view file, SrcLoc loc, const std::string& msg) {
  throw ParseError(std::string(file) + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col) + ": " + msg,
                   loc);
}

// Turns bytes into tokens on demand; `peek()` is the single token of lookahead.
class Lexer {
 public:
  Lexer(std::string_view src, std::string_view file) : src_(src), file_(file) { advance(); }

  const Token& peek() const { return cur_; }
  Token take() {
    Token t = cur_;
    advance();
    return t;
  }
  std::string_view file() const { return file_; }

 private:
  SrcLoc here() const {
    return SrcLoc{line_, static_cast<std::uint32_t>(pos_ - line_start_ + 1)};
  }
  bool has(std::size_t off = 0) const { return pos_ + off < src_.size(); }
  char at(std::size_t off = 0) const { return has(off) ? src_[pos_ + off] : '\0'; }
  std::string describe_here() const { return has() ? quote_bytes(src_.substr(pos_, 1)) : "end of input"; }

  void skip_blanks() {
    while (has()) {
      const char c = at();
      if (c == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (has() && at() != '\n') ++pos_;  // comments may hold any bytes
      } else {
        return;
      }
    }
  }

  Token make(Tok kind, std::size_t start, SrcLoc loc) const { return Token{kind, src_.substr(start, pos_ - start), loc}; }

  void advance() {
    skip_blanks();
    const SrcLoc loc = here();
    const std::size_t start = pos_;
    if (!has()) {
      cur_ = Token{Tok::End, {}, loc};
      return;
    }
    const char c = at();
    if (is_ident_start(c)) {
      while (has() && is_ident_char(at())) ++pos_;
      cur_ = make(Tok::Ident, start, loc);
    } else if (c == '%') {
      lex_value(start, loc);
    } else if (c == '-' || is_digit(c)) {
      lex_number(start, loc);
    } else if (auto p = punct(c)) {
      ++pos_;
      cur_ = make(*p, start, loc);
    } else {
      fail_at(file_, loc, "unexpected character " + describe_here());
    }
  }

  static std::optional<Tok> punct(char c) {
    switch (c) {
      case '(': return Tok::LParen;
      case ')': return Tok::RParen;
      case '{': return Tok::LBrace;
      case '}': return Tok::RBrace;
      case '[': return Tok::LBracket;
      case ']': return Tok::RBracket;
      case ',': return Tok::Comma;
      case ':': return Tok::Colon;
      case '=': return Tok::Equals;
      default: return std::nullopt;
    }
  }

  void lex_value(std::size_t start, SrcLoc loc) {
    ++pos_;  // '%'
    if (!has() || !is_value_char(at()))
      fail_at(file_, loc, "expected a value name ([A-Za-z0-9_.]+) after '%', found " + describe_here());
    while (has() && is_value_char(at())) ++pos_;
    cur_ = make(Tok::Value, start, loc);
  }

  void skip_digits() {
    while (has() && is_digit(at())) ++pos_;
  }

  // INT := -?[0-9]+ ; FLOAT := -?[0-9]+ '.' [0-9]* exp? | -?[0-9]+ exp.
  // Letters, digits or dots glued to a number make the whole run malformed
  // (so "1e" or "12abc" are reported as one bad number, not two tokens).
  void lex_number(std::size_t start, SrcLoc loc) {
    if (at() == '-') {
      ++pos_;
      if (!is_digit(at())) fail_at(file_, here(), "expected a digit after '-', found " + describe_here());
    }
    skip_digits();
    bool is_float = false;
    if (at() == '.') {
      is_float = true;
      ++pos_;
      skip_digits();
    }
    if (at() == 'e' || at() == 'E') {
      const std::size_t sign = (at(1) == '+' || at(1) == '-') ? 1 : 0;
      if (is_digit(at(1 + sign))) {
        is_float = true;
        pos_ += 1 + sign;
        skip_digits();
      }
    }
    if (has() && is_value_char(at())) {
      while (has() && is_value_char(at())) ++pos_;
      fail_at(file_, loc, "malformed number " + quote_bytes(src_.substr(start, pos_ - start)));
    }
    cur_ = make(is_float ? Tok::Float : Tok::Int, start, loc);
  }

  std::string_view src_;
  std::string_view file_;
  std::size_t pos_ = 0;
  std::size_t line_start_ = 0;
  std::uint32_t line_ = 1;
  Token cur_;
};

class Parser {
 public:
  Parser(std::string_view src, std::string_view file) : lex_(src, file) {}

  GraphData parse_file() {
    GraphData g;
    expect_keyword("graph", "'graph'");
    g.name = std::string(expect(Tok::Ident, "a graph name").text);
    expect(Tok::LBrace, "'{' after the graph name");
    while (!accept(Tok::RBrace)) parse_stmt(g);
    if (lex_.peek().kind != Tok::End) fail(lex_.peek(), "expected end of input after the closing '}'");
    return g;
  }

 private:
  [[noreturn]] void fail(SrcLoc loc, const std::string& msg) const { fail_at(lex_.file(), loc, msg); }
  // "expected <what>, found <token>" at the token.
  [[noreturn]] void fail(const Token& t, std::string_view what) const {
    fail(t.loc, std::string(what) + ", found " + describe(t));
  }

  bool accept(Tok k) {
    if (lex_.peek().kind != k) return false;
    lex_.take();
    return true;
  }
  Token expect(Tok k, std::string_view what) {
    if (lex_.peek().kind != k) fail(lex_.peek(), "expected " + std::string(what));
    return lex_.take();
  }
  bool at_keyword(std::string_view kw) const { return lex_.peek().kind == Tok::Ident && lex_.peek().text == kw; }
  void expect_keyword(std::string_view kw, std::string_view what) {
    if (!at_keyword(kw)) fail(lex_.peek(), "expected " + std::string(what));
    lex_.take();
  }

  static std::string value_name(const Token& t) { return std::string(t.text.substr(1)); }  // drop '%'

  void parse_stmt(GraphData& g) {
    if (at_keyword("input") || at_keyword("param")) return parse_arg(g);
    if (at_keyword("output")) return parse_outputs(g);
    if (lex_.peek().kind == Tok::Value) return parse_node(g);
    fail(lex_.peek(), "expected 'input', 'param', 'output', a %value or '}'");
  }

  // ('input' | 'param') VALUE ':' type
  void parse_arg(GraphData& g) {
    Arg a;
    const Token kw = lex_.take();
    a.kind = kw.text == "input" ? ArgKind::Input : ArgKind::Param;
    const Token name = expect(Tok::Value, "a %name after '" + std::string(kw.text) + "'");
    a.name = value_name(name);
    a.loc = name.loc;
    expect(Tok::Colon, "':' after the argument name");
    a.type = parse_type().first;
    g.args.push_back(std::move(a));
  }

  // 'output' VALUE (',' VALUE)*
  void parse_outputs(GraphData& g) {
    lex_.take();
    do {
      const Token v = expect(Tok::Value, "a %name of an output");
      g.outputs.push_back(Operand{value_name(v), v.loc});
    } while (accept(Tok::Comma));
  }

  // VALUE '=' IDENT '(' [VALUE (',' VALUE)*] ')' [attrs] ':' type
  void parse_node(GraphData& g) {
    Node n;
    const Token name = lex_.take();
    n.name = value_name(name);
    n.loc = name.loc;
    expect(Tok::Equals, "'=' after the value name");
    const Token op = expect(Tok::Ident, "an op name after '='");
    n.op = std::string(op.text);
    n.op_loc = op.loc;
    expect(Tok::LParen, "'(' after the op name");
    parse_operands(n);
    if (lex_.peek().kind == Tok::LBrace) n.attrs = parse_attrs();
    if (lex_.peek().kind != Tok::Colon)
      fail(lex_.peek(), n.attrs.empty() ? "expected '{' or ':' after the operands" : "expected ':' after the attributes");
    lex_.take();
    std::tie(n.type, n.type_loc) = parse_type();
    g.nodes.push_back(std::move(n));
  }

  void parse_operands(Node& n) {
    if (accept(Tok::RParen)) return;
    while (true) {
      const Token v = expect(Tok::Value, n.inputs.empty() ? "an operand (%name) or ')'" : "an operand (%name) after ','");
      n.inputs.push_back(Operand{value_name(v), v.loc});
      if (accept(Tok::RParen)) return;
      if (!accept(Tok::Comma)) fail(lex_.peek(), "expected ')' or ',' after operand");
    }
  }

  // attrs := '{' [IDENT '=' attrval (',' IDENT '=' attrval)*] '}'
  AttrMap parse_attrs() {
    std::vector<AttrMap::Entry> entries;
    std::unordered_set<std::string_view> seen;  // keys point into the source text
    lex_.take();  // '{'
    if (accept(Tok::RBrace)) return {};
    while (true) {
      const Token key = expect(Tok::Ident, entries.empty() ? "an attribute name or '}'" : "an attribute name after ','");
      if (!seen.insert(key.text).second) fail(key.loc, "duplicate attribute " + quote_bytes(key.text));
      expect(Tok::Equals, "'=' after the attribute name");
      entries.emplace_back(std::string(key.text), parse_attr_value());
      if (accept(Tok::RBrace)) return AttrMap::from_entries(std::move(entries));
      if (!accept(Tok::Comma)) fail(lex_.peek(), "expected ',' or '}' after the attribute value");
    }
  }

  AttrValue parse_attr_value() {
    const Token& t = lex_.peek();
    switch (t.kind) {
      case Tok::Int: return to_int(lex_.take());
      case Tok::Float: return to_float(lex_.take());
      case Tok::LBracket: return parse_number_list();
      case Tok::Ident: return ident_value(lex_.take());
      default: fail(t, "expected an attribute value (integer, float, true, false, identifier or [numbers])");
    }
  }

  AttrValue ident_value(const Token& t) {
    if (t.text == "true") return true;
    if (t.text == "false") return false;
    // The printer writes non-finite floats as nan/inf; reading them back as
    // identifiers would silently change the attribute's kind.
    if (t.text == "nan" || t.text == "inf")
      fail(t.loc, "non-finite float " + quote_bytes(t.text) + " is not a literal");
    return std::string(t.text);
  }

  // [integers] is an int list; a float anywhere makes it a float list.
  AttrValue parse_number_list() {
    IntList ints;
    FloatList floats;
    bool any_float = false;
    lex_.take();  // '['
    if (accept(Tok::RBracket)) return ints;
    while (true) {
      const Token& t = lex_.peek();
      if (t.kind == Tok::Float) {
        any_float = true;
        floats.push_back(to_float(lex_.take()));
      } else {
        const Token i = expect(Tok::Int, floats.empty() ? "a number or ']' in the list" : "a number after ','");
        ints.push_back(to_int(i));
        floats.push_back(static_cast<double>(ints.back()));
      }
      if (accept(Tok::RBracket)) break;
      if (!accept(Tok::Comma)) fail(lex_.peek(), "expected ',' or ']' in the list");
    }
    if (any_float) return floats;
    return ints;
  }

  // type := DTYPE '[' [INT (',' INT)*] ']'; returns the type and its position.
  std::pair<TensorType, SrcLoc> parse_type() {
    TensorType ty;
    const Token dt = expect(Tok::Ident, "a type (f32, f64 or i64)");
    const auto d = parse_dtype(dt.text);
    if (!d) fail(dt.loc, "unknown dtype " + quote_bytes(dt.text) + " (expected f32, f64 or i64)");
    ty.dtype = *d;
    expect(Tok::LBracket, "'[' after the dtype");
    if (!accept(Tok::RBracket)) {
      while (true) {
        const Token t = expect(Tok::Int, ty.shape.rank() == 0 ? "a dimension or ']'" : "a dimension after ','");
        const std::int64_t dim = to_int(t);
        if (dim < 0) fail(t.loc, "negative dimension " + std::string(t.text));
        ty.shape.dims().push_back(dim);
        if (accept(Tok::RBracket)) break;
        if (!accept(Tok::Comma)) fail(lex_.peek(), "expected ',' or ']' in the shape");
      }
    }
    try {
      ty.shape.validate();
    } catch (const ShapeError& e) {
      fail(dt.loc, std::string("invalid type: ") + e.what());
    }
    return {std::move(ty), dt.loc};
  }

  std::int64_t to_int(const Token& t) const {
    std::int64_t v = 0;
    const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (r.ec != std::errc{}) fail(t.loc, "integer " + quote_bytes(t.text) + " does not fit in 64 bits");
    return v;
  }

  double to_float(const Token& t) const {
    double v = 0;
    const auto r = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (r.ec != std::errc{} || r.ptr != t.text.data() + t.text.size())
      fail(t.loc, "float " + quote_bytes(t.text) + " is out of the range of f64");
    return v;
  }

  Lexer lex_;
};

}  // namespace

bool is_identifier(std::string_view s) {
  if (s.empty() || !is_ident_start(s.front())) return false;
  for (char c : s)
    if (!is_ident_char(c)) return false;
  return true;
}

bool is_value_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_value_char(c)) return false;
  return true;
}

GraphData parse_vtg(std::string_view text, std::string_view filename) { return Parser(text, filename).parse_file(); }

namespace {

[[noreturn]] void fail_file(const std::string& path, const std::string& msg) { throw ParseError(path + ": " + msg, SrcLoc{}); }

// Reads at most kMaxVtgFileBytes + 1 bytes, so that a huge file or an endless
// device (/dev/zero) is rejected without reading it all.
std::string read_limited(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail_file(path, "cannot open: Is a directory");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) fail_file(path, "cannot open: " + std::generic_category().message(errno));
  std::string text;
  char buf[1 << 16];
  while (true) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, f.get());
    text.append(buf, n);
    if (text.size() > kMaxVtgFileBytes) fail_file(path, "file is larger than the 64 MiB limit");
    if (n < sizeof buf) break;
  }
  if (std::ferror(f.get())) fail_file(path, "cannot read: " + std::generic_category().message(errno));
  return text;
}

}  // namespace

GraphData load_vtg_file(const std::string& path) { return parse_vtg(read_limited(path), path); }

}  // namespace vt::spec
