//===- NpyTest.cpp - Tests of the .npy reader and writer -----------------===//
//
// Round trips of every dtype, hand-written headers of every supported
// version, and each kind of malformed file, which must give an llvm::Error
// naming the buffer and the problem.
//
//===----------------------------------------------------------------------===//

#include "attn/Support/Npy.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include "gtest/gtest.h"

#include <cstring>
#include <string>

using namespace attn::npy;

namespace {

const DType kAllTypes[] = {DType::Bool, DType::I8,  DType::U8,  DType::I32,
                           DType::I64,  DType::F16, DType::F32, DType::F64};

Array makeArray(DType dtype, std::vector<int64_t> shape) {
  Array a;
  a.dtype = dtype;
  a.shape = std::move(shape);
  a.data.resize(a.numElements() * elementSize(dtype));
  for (size_t k = 0; k < a.data.size(); ++k)
    a.data[k] = dtype == DType::Bool ? static_cast<char>(k % 3 == 0)
                                     : static_cast<char>(k * 37 + 11);
  return a;
}

/// A .npy buffer with the given version and raw header text; the header is
/// padded with spaces and a newline to a multiple of 64 bytes.
std::string handMade(const std::string &dict, const std::string &data,
                     int major = 1) {
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t prefix = 8 + lenBytes;
  std::string header = dict;
  while ((prefix + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += static_cast<char>(major);
  out += '\0';
  for (size_t k = 0; k < lenBytes; ++k)
    out += static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return out + header + data;
}

/// Expects `buffer` to be refused with a message naming "buf.npy" and
/// containing `needle`.
void expectError(const std::string &buffer, const std::string &needle) {
  llvm::Expected<Array> a = readBuffer(buffer, "buf.npy");
  ASSERT_FALSE(static_cast<bool>(a)) << "accepted, expected: " << needle;
  std::string msg = llvm::toString(a.takeError());
  EXPECT_NE(msg.find("buf.npy"), std::string::npos) << msg;
  EXPECT_NE(msg.find(needle), std::string::npos) << msg;
}

TEST(Npy, ElementSizesAndDescrs) {
  EXPECT_EQ(elementSize(DType::Bool), 1u);
  EXPECT_EQ(elementSize(DType::I8), 1u);
  EXPECT_EQ(elementSize(DType::U8), 1u);
  EXPECT_EQ(elementSize(DType::F16), 2u);
  EXPECT_EQ(elementSize(DType::I32), 4u);
  EXPECT_EQ(elementSize(DType::F32), 4u);
  EXPECT_EQ(elementSize(DType::I64), 8u);
  EXPECT_EQ(elementSize(DType::F64), 8u);
  EXPECT_EQ(descr(DType::Bool), "|b1");
  EXPECT_EQ(descr(DType::I8), "|i1");
  EXPECT_EQ(descr(DType::U8), "|u1");
  EXPECT_EQ(descr(DType::I32), "<i4");
  EXPECT_EQ(descr(DType::I64), "<i8");
  EXPECT_EQ(descr(DType::F16), "<f2");
  EXPECT_EQ(descr(DType::F32), "<f4");
  EXPECT_EQ(descr(DType::F64), "<f8");
}

TEST(Npy, RoundTripEveryDtypeAndRank) {
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {5}, {2, 3, 4}, {0}, {3, 0, 2}, {1, 1, 1, 7}};
  for (DType dtype : kAllTypes)
    for (const auto &shape : shapes) {
      Array a = makeArray(dtype, shape);
      std::string buf = writeBuffer(a);
      // Version 1.0, data aligned to 64 bytes, header ends with '\n'.
      ASSERT_GE(buf.size(), 10u);
      EXPECT_EQ(buf.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
      size_t headerLen = static_cast<unsigned char>(buf[8]) |
                         static_cast<unsigned char>(buf[9]) << 8;
      EXPECT_EQ((10 + headerLen) % 64, 0u);
      EXPECT_EQ(buf[10 + headerLen - 1], '\n');
      EXPECT_EQ(buf.size(), 10 + headerLen + a.data.size());

      llvm::Expected<Array> b = readBuffer(buf, "roundtrip");
      ASSERT_TRUE(static_cast<bool>(b)) << llvm::toString(b.takeError());
      EXPECT_EQ(b->dtype, dtype);
      EXPECT_EQ(b->shape, shape);
      EXPECT_EQ(b->data, a.data);
      EXPECT_EQ(b->numElements(), a.numElements());
    }
}

TEST(Npy, HeaderSpellsShapesLikeNumpy) {
  std::string buf = writeBuffer(makeArray(DType::F32, {5}));
  EXPECT_NE(
      buf.find("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"),
      std::string::npos);
  buf = writeBuffer(makeArray(DType::F64, {}));
  EXPECT_NE(buf.find("'shape': ()"), std::string::npos);
  buf = writeBuffer(makeArray(DType::Bool, {2, 3}));
  EXPECT_NE(buf.find("'descr': '|b1'"), std::string::npos);
  EXPECT_NE(buf.find("'shape': (2, 3)"), std::string::npos);
  EXPECT_EQ(makeArray(DType::F32, {}).numElements(), 1);
}

TEST(Npy, RoundTripThroughFile) {
  llvm::SmallString<128> path;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("attn-npy-test", "npy", path));
  Array a = makeArray(DType::F32, {3, 4});
  ASSERT_FALSE(static_cast<bool>(writeFile(path, a)));
  llvm::Expected<Array> b = readFile(path);
  ASSERT_TRUE(static_cast<bool>(b)) << llvm::toString(b.takeError());
  EXPECT_EQ(b->shape, a.shape);
  EXPECT_EQ(b->data, a.data);
  llvm::sys::fs::remove(path);

  // Missing file: an error naming the path.
  llvm::Expected<Array> missing = readFile(path);
  ASSERT_FALSE(static_cast<bool>(missing));
  std::string msg = llvm::toString(missing.takeError());
  EXPECT_NE(msg.find(path.str().str()), std::string::npos) << msg;

  // Inconsistent array: refused before writing.
  Array bad = makeArray(DType::I32, {2});
  bad.data.pop_back();
  llvm::Error err = writeFile(path, bad);
  ASSERT_TRUE(static_cast<bool>(err));
  llvm::consumeError(std::move(err));
  EXPECT_FALSE(llvm::sys::fs::exists(path));

  // Unwritable path.
  err = writeFile("/nonexistent-dir/x.npy", a);
  ASSERT_TRUE(static_cast<bool>(err));
  msg = llvm::toString(std::move(err));
  EXPECT_NE(msg.find("/nonexistent-dir/x.npy"), std::string::npos) << msg;
}

TEST(Npy, ReadsHandWrittenHeaders) {
  std::string four(16, '\x01');
  // Any key order, double quotes, no trailing comma, odd spacing.
  for (const char *dict :
       {"{'shape': (2, 2), 'fortran_order': False, 'descr': '<f4'}",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,2)}",
        "{ 'fortran_order' : False , 'descr':'<f4','shape':( 2 , 2 , ) , }",
        "{'descr': '=f4', 'fortran_order': False, 'shape': (4,)}"}) {
    llvm::Expected<Array> a = readBuffer(handMade(dict, four), "hand");
    ASSERT_TRUE(static_cast<bool>(a))
        << dict << ": " << llvm::toString(a.takeError());
    EXPECT_EQ(a->dtype, DType::F32);
    EXPECT_EQ(a->numElements(), 4);
  }
  // Versions 2.0 and 3.0 have a 4-byte header length.
  for (int major : {2, 3}) {
    llvm::Expected<Array> a = readBuffer(
        handMade("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                 four, major),
        "hand");
    ASSERT_TRUE(static_cast<bool>(a)) << llvm::toString(a.takeError());
    EXPECT_EQ(a->dtype, DType::I64);
    EXPECT_EQ(a->shape, (std::vector<int64_t>{2}));
  }
  // One-byte types take any byte-order character.
  for (const char *d : {"|u1", "<u1", "=u1", ">u1"}) {
    std::string dict = std::string("{'descr': '") + d +
                       "', 'fortran_order': False, 'shape': (3,), }";
    llvm::Expected<Array> a = readBuffer(handMade(dict, "abc"), "hand");
    ASSERT_TRUE(static_cast<bool>(a))
        << d << ": " << llvm::toString(a.takeError());
    EXPECT_EQ(a->dtype, DType::U8);
  }
  // A header without padding beyond the newline is fine too.
  std::string dict = "{'descr': '|b1', 'fortran_order': False, 'shape': ()}\n";
  std::string raw("\x93NUMPY\x01\x00", 8);
  raw += static_cast<char>(dict.size());
  raw += '\0';
  raw += dict;
  raw += '\x01';
  llvm::Expected<Array> a = readBuffer(raw, "hand");
  ASSERT_TRUE(static_cast<bool>(a)) << llvm::toString(a.takeError());
  EXPECT_TRUE(a->shape.empty());
  EXPECT_EQ(a->data, std::vector<char>{'\x01'});
}

TEST(Npy, MalformedFilesAreErrors) {
  const std::string good =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string eight(8, '\0');
  std::string ok = handMade(good, eight);
  ASSERT_TRUE(static_cast<bool>(readBuffer(ok, "buf.npy")));

  // Magic and version.
  expectError("", "magic");
  expectError("\x93NUMP", "magic");
  expectError(std::string("\x93NUMPX\x01\x00", 8) + ok.substr(8), "magic");
  expectError(std::string("PK\x03\x04 not numpy at all"), "magic");
  std::string v4 = ok;
  v4[6] = 4;
  expectError(v4, "version");
  std::string v11 = ok;
  v11[7] = 1;
  expectError(v11, "version");

  // Truncated header.
  expectError(ok.substr(0, 9), "truncated");
  expectError(ok.substr(0, 30), "truncated header");
  std::string v2 = handMade(good, eight, 2);
  expectError(v2.substr(0, 11), "truncated");

  // Truncated and trailing data.
  expectError(ok.substr(0, ok.size() - 1), "truncated data");
  expectError(ok.substr(0, ok.size() - 8), "truncated data");
  expectError(ok + "x", "trailing");

  // Layout and dtype.
  expectError(handMade("{'descr': '<f4', 'fortran_order': True, "
                       "'shape': (2,), }",
                       eight),
              "fortran_order");
  expectError(handMade("{'descr': '>f4', 'fortran_order': False, "
                       "'shape': (2,), }",
                       eight),
              "big-endian");
  expectError(handMade("{'descr': '>i8', 'fortran_order': False, "
                       "'shape': (1,), }",
                       eight),
              "big-endian");
  for (const char *d : {"<c8", "<U3", "|O", "<f16", "f4", "<u4", "|f4", ""})
    expectError(handMade(std::string("{'descr': '") + d +
                             "', 'fortran_order': False, 'shape': (2,), }",
                         eight),
                "dtype");
  expectError(handMade("{'descr': [('a', '<f4')], 'fortran_order': False, "
                       "'shape': (2,), }",
                       eight),
              "structured");

  // Shapes.
  auto withShape = [&](const std::string &shape) {
    return handMade(
        "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }",
        eight);
  };
  expectError(withShape("(-2,)"), "negative");
  expectError(withShape("(2, -1)"), "negative");
  expectError(withShape("(99999999999999999999,)"), "overflow");
  expectError(withShape("(4294967296, 4294967296)"), "overflow");
  expectError(withShape("(1152921504606846976, 4)"), "overflow");
  expectError(withShape("(2)"), "tuple");
  expectError(withShape("[2]"), "tuple");
  expectError(withShape("(2.5,)"), "shape");
  expectError(withShape("(a,)"), "shape");
  expectError(withShape("(2,,)"), "shape");
  expectError(withShape("(2"), "shape");

  // Header dict structure.
  expectError(handMade("{'descr': '<f4', 'shape': (2,), }", eight),
              "fortran_order");
  expectError(handMade("{'descr': '<f4', 'fortran_order': False}", eight),
              "shape");
  expectError(handMade("{'fortran_order': False, 'shape': (2,)}", eight),
              "descr");
  expectError(handMade("{'descr': '<f4', 'descr': '<f4', 'fortran_order': "
                       "False, 'shape': (2,)}",
                       eight),
              "duplicate");
  expectError(handMade("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (2,), 'extra': 1}",
                       eight),
              "extra");
  expectError(handMade("{'descr': '<f4', 'fortran_order': maybe, "
                       "'shape': (2,)}",
                       eight),
              "fortran_order");
  expectError(handMade("{'descr': '<f4 'fortran_order': False, "
                       "'shape': (2,)}",
                       eight),
              "header");
  expectError(handMade("['descr', '<f4']", eight), "dict");
  expectError(handMade("{'descr': '<f4', 'fortran_order': False, "
                       "'shape': (2,)} junk",
                       eight),
              "after");
  // The header must end with a newline.
  std::string noNewline = ok;
  noNewline[9 + static_cast<unsigned char>(ok[8])] = ' ';
  expectError(noNewline, "newline");
}

TEST(Npy, HugeHeaderLengthDoesNotCrash) {
  // A version 2.0 header announcing 4 GiB - 1 bytes.
  std::string buf("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14);
  expectError(buf, "truncated header");
}

} // namespace
