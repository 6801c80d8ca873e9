//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// The format: the magic string "\x93NUMPY", a major and minor version byte,
// a little-endian header length (2 bytes in version 1.0, 4 bytes in 2.0 and
// 3.0), and an ASCII (3.0: UTF-8) Python dict literal with the keys 'descr',
// 'fortran_order' and 'shape', padded with spaces and ended by '\n'. The raw
// array data follows.
//
//===----------------------------------------------------------------------===//

#include "attn/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>
#include <optional>

using namespace attn::npy;
using llvm::StringRef;

static constexpr char kMagic[] = "\x93NUMPY";
static constexpr size_t kMagicLen = 6;

unsigned attn::npy::elementSize(DType dtype) { return getByteSize(dtype); }

StringRef attn::npy::descr(DType dtype) { return getNpyDescr(dtype); }

int64_t Array::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

namespace {

llvm::Error makeError(StringRef name, const llvm::Twine &problem) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 (name + ": " + problem).str());
}

/// Parses the Python dict literal of a .npy header.
class HeaderParser {
public:
  HeaderParser(StringRef text, StringRef name) : text(text), name(name) {}

  llvm::Error parse() {
    skipSpace();
    if (!consume('{'))
      return error("header is not a dict literal");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (llvm::Error err = parseString(key))
        return err;
      skipSpace();
      if (!consume(':'))
        return error("expected ':' after key '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (descrValue)
          return error("duplicate key 'descr'");
        std::string value;
        if (pos < text.size() && text[pos] == '[')
          return error("structured dtypes are not supported");
        if (llvm::Error err = parseString(value))
          return err;
        descrValue = value;
      } else if (key == "fortran_order") {
        if (fortranValue)
          return error("duplicate key 'fortran_order'");
        if (text.substr(pos).starts_with("True")) {
          fortranValue = true;
          pos += 4;
        } else if (text.substr(pos).starts_with("False")) {
          fortranValue = false;
          pos += 5;
        } else {
          return error("'fortran_order' must be True or False");
        }
      } else if (key == "shape") {
        if (shapeValue)
          return error("duplicate key 'shape'");
        std::vector<int64_t> shape;
        if (llvm::Error err = parseShape(shape))
          return err;
        shapeValue = std::move(shape);
      } else {
        return error("unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return error("expected ',' or '}' after the value of '" + key + "'");
    }
    skipSpace();
    if (pos != text.size())
      return error("unexpected text after the header dict");
    if (!descrValue)
      return error("header has no 'descr'");
    if (!fortranValue)
      return error("header has no 'fortran_order'");
    if (!shapeValue)
      return error("header has no 'shape'");
    return llvm::Error::success();
  }

  std::optional<std::string> descrValue;
  std::optional<bool> fortranValue;
  std::optional<std::vector<int64_t>> shapeValue;

private:
  llvm::Error error(const llvm::Twine &problem) {
    return makeError(name, "malformed header: " + problem);
  }

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  bool consume(char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }

  llvm::Error parseString(std::string &out) {
    if (pos >= text.size() || (text[pos] != '\'' && text[pos] != '"'))
      return error("expected a quoted string");
    char quote = text[pos++];
    size_t end = text.find(quote, pos);
    if (end == StringRef::npos)
      return error("unterminated string");
    StringRef body = text.slice(pos, end);
    if (body.contains('\\'))
      return error("escape sequences are not supported");
    out = body.str();
    pos = end + 1;
    return llvm::Error::success();
  }

  llvm::Error parseShape(std::vector<int64_t> &shape) {
    if (!consume('('))
      return error("'shape' must be a tuple");
    bool trailingComma = false;
    while (true) {
      skipSpace();
      if (consume(')'))
        break;
      if (pos < text.size() && text[pos] == '-')
        return error("negative dimension in 'shape'");
      if (pos >= text.size() || !llvm::isDigit(text[pos]))
        return error("'shape' must hold non-negative integers");
      int64_t value = 0;
      while (pos < text.size() && llvm::isDigit(text[pos])) {
        int digit = text[pos++] - '0';
        if (value > (std::numeric_limits<int64_t>::max() - digit) / 10)
          return error("dimension in 'shape' overflows int64");
        value = value * 10 + digit;
      }
      shape.push_back(value);
      skipSpace();
      trailingComma = consume(',');
      if (trailingComma)
        continue;
      skipSpace();
      if (consume(')'))
        break;
      return error("expected ',' or ')' in 'shape'");
    }
    // `(5)` is the integer 5 in Python, not a tuple.
    if (shape.size() == 1 && !trailingComma)
      return error("'shape' must be a tuple: a 1-tuple is written (n,)");
    return llvm::Error::success();
  }

  StringRef text;
  StringRef name;
  size_t pos = 0;
};

/// Maps a descr string to a DType, or explains why it cannot.
llvm::Expected<DType> parseDescr(StringRef d, StringRef name) {
  if (d.size() < 2)
    return makeError(name, "unsupported dtype '" + d + "'");
  char order = d[0];
  StringRef kind = d.drop_front();
  // The first type with that descr: "<i8" reads as I64, not Index.
  std::optional<DType> dtype;
  std::string expected;
  for (DType t : attn::allElementTypes()) {
    StringRef tDescr = descr(t);
    if (tDescr.empty() || StringRef(expected).contains(tDescr))
      continue;
    expected += (expected.empty() ? "" : " ") + tDescr.str();
    if (!dtype && kind == tDescr.drop_front())
      dtype = t;
  }
  if (order != '<' && order != '>' && order != '=' && order != '|')
    return makeError(name, "unsupported dtype '" + d + "'");
  if (!dtype)
    return makeError(name, "unsupported dtype '" + d + "' (expected one of " +
                               expected + ")");
  if (elementSize(*dtype) == 1)
    return *dtype; // Byte order does not apply to one-byte elements.
  if (order == '>')
    return makeError(name, "big-endian dtype '" + d +
                               "' is not supported (only little endian)");
  if (order == '|')
    return makeError(name, "dtype '" + d + "' has no byte order but needs one");
  if (order == '=' && !llvm::sys::IsLittleEndianHost)
    return makeError(name, "native-order dtype '" + d +
                               "' is big endian on this host");
  return *dtype;
}

} // namespace

llvm::Expected<Array> attn::npy::readBuffer(StringRef buffer, StringRef name) {
  if (buffer.size() < kMagicLen + 2 ||
      buffer.substr(0, kMagicLen) != StringRef(kMagic, kMagicLen))
    return makeError(name, "not a .npy file (bad magic string)");
  unsigned major = static_cast<unsigned char>(buffer[kMagicLen]);
  unsigned minor = static_cast<unsigned char>(buffer[kMagicLen + 1]);
  if (minor != 0 || major < 1 || major > 3)
    return makeError(
        name,
        llvm::formatv("unsupported .npy version {0}.{1}", major, minor).str());
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicLen + 2 + lenBytes;
  if (buffer.size() < prefix)
    return makeError(name, "truncated header length");
  uint64_t headerLen = 0;
  for (size_t k = 0; k < lenBytes; ++k)
    headerLen |= uint64_t(static_cast<unsigned char>(buffer[kMagicLen + 2 + k]))
                 << (8 * k);
  if (buffer.size() - prefix < headerLen)
    return makeError(name, llvm::formatv("truncated header: {0} bytes "
                                         "announced, {1} present",
                                         headerLen, buffer.size() - prefix)
                               .str());
  StringRef header = buffer.substr(prefix, headerLen);
  if (header.empty() || header.back() != '\n')
    return makeError(name, "malformed header: not terminated by a newline");
  if (major < 3)
    for (char c : header)
      if (static_cast<unsigned char>(c) >= 0x80)
        return makeError(name, "malformed header: non-ASCII byte in a "
                               "version 1.0/2.0 header");

  HeaderParser parser(header, name);
  if (llvm::Error err = parser.parse())
    return std::move(err);
  if (*parser.fortranValue)
    return makeError(name, "fortran_order True is not supported (only C "
                           "order)");
  llvm::Expected<DType> dtype = parseDescr(*parser.descrValue, name);
  if (!dtype)
    return dtype.takeError();

  Array array;
  array.dtype = *dtype;
  array.shape = *parser.shapeValue;
  // Element and byte counts, refusing any overflow.
  uint64_t elems = 1;
  const uint64_t limit = std::numeric_limits<int64_t>::max();
  for (int64_t d : array.shape) {
    uint64_t ud = static_cast<uint64_t>(d);
    if (ud != 0 && elems > limit / ud)
      return makeError(name, "shape's element count overflows");
    elems *= ud;
  }
  unsigned esize = elementSize(array.dtype);
  if (elems > limit / esize)
    return makeError(name, "shape's byte count overflows");
  uint64_t bytes = elems * esize;
  uint64_t present = buffer.size() - prefix - headerLen;
  if (present < bytes)
    return makeError(name, llvm::formatv("truncated data: {0} bytes expected, "
                                         "{1} present",
                                         bytes, present)
                               .str());
  if (present > bytes)
    return makeError(name, llvm::formatv("{0} bytes of trailing data after "
                                         "the array",
                                         present - bytes)
                               .str());
  StringRef data = buffer.substr(prefix + headerLen);
  array.data.assign(data.begin(), data.end());
  return array;
}

llvm::Expected<Array> attn::npy::readFile(StringRef path, uint64_t maxBytes) {
  // Only regular files: a device or a pipe (/dev/zero, /dev/stdin) has no
  // size to check and may never end.
  llvm::sys::fs::file_status status;
  if (std::error_code ec = llvm::sys::fs::status(path, status))
    return makeError(path, "cannot open: " + ec.message());
  if (status.type() != llvm::sys::fs::file_type::regular_file)
    return makeError(path, "not a regular file (devices, pipes and "
                           "directories are refused)");
  uint64_t size = status.getSize();
  if (size > maxBytes)
    return makeError(path, llvm::formatv("{0} bytes, more than the limit of "
                                         "{1} bytes",
                                         size, maxBytes)
                               .str());
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf =
      llvm::MemoryBuffer::getFileSlice(path, size, /*Offset=*/0);
  if (!buf)
    return makeError(path, "cannot open: " + buf.getError().message());
  return readBuffer((*buf)->getBuffer(), path);
}

std::string attn::npy::writeBuffer(const Array &array) {
  std::string dict = "{'descr': '" + descr(array.dtype).str() +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t k = 0; k < array.shape.size(); ++k)
    dict += (k ? ", " : "") + std::to_string(array.shape[k]);
  if (array.shape.size() == 1)
    dict += ",";
  dict += "), }";

  // Pad with spaces so that the data starts at a multiple of 64 bytes; the
  // header ends with '\n'. Version 2.0 only when the header outgrows 16 bits.
  unsigned major = 1;
  size_t prefix = kMagicLen + 2 + 2;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  if (total - prefix > 0xffff) {
    major = 2;
    prefix = kMagicLen + 2 + 4;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  size_t headerLen = total - prefix;
  dict.append(headerLen - dict.size() - 1, ' ');
  dict += '\n';

  std::string out(kMagic, kMagicLen);
  out += static_cast<char>(major);
  out += '\0';
  for (size_t k = 0; k < (major == 1 ? 2u : 4u); ++k)
    out += static_cast<char>((headerLen >> (8 * k)) & 0xff);
  out += dict;
  out.append(array.data.begin(), array.data.end());
  return out;
}

llvm::Error attn::npy::writeFile(StringRef path, const Array &array) {
  for (int64_t d : array.shape)
    if (d < 0)
      return makeError(path, "cannot write a negative dimension");
  uint64_t want =
      static_cast<uint64_t>(array.numElements()) * elementSize(array.dtype);
  if (array.data.size() != want)
    return makeError(path, llvm::formatv("array holds {0} data bytes but its "
                                         "shape needs {1}",
                                         array.data.size(), want)
                               .str());
  if (descr(array.dtype).empty())
    return makeError(path, (getNumpyName(array.dtype) +
                            " has no .npy dtype (widen it to float32)")
                               .str());
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return makeError(path, "cannot open for writing: " + ec.message());
  os << writeBuffer(array);
  os.close();
  if (os.has_error()) {
    std::error_code err = os.error();
    os.clear_error();
    return makeError(path, "write failed: " + err.message());
  }
  return llvm::Error::success();
}
