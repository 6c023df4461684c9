#define BOOST_TEST_MODULE spec_shape
#include <boost/test/unit_test.hpp>

#include "vt/spec/index_maps.hpp"
#include "vt/spec/shape.hpp"

using namespace vt::spec;

BOOST_AUTO_TEST_CASE(broadcast_follows_numpy_rules) {
  BOOST_TEST(broadcast_shapes(Shape{2, 3}, Shape{3}) == (Shape{2, 3}));
  BOOST_TEST(broadcast_shapes(Shape{4, 1, 5}, Shape{3, 1}) == (Shape{4, 3, 5}));
  BOOST_TEST(broadcast_shapes(Shape{}, Shape{2, 2}) == (Shape{2, 2}));
  BOOST_TEST(broadcast_shapes(Shape{0, 1}, Shape{1, 7}) == (Shape{0, 7}));
}

BOOST_AUTO_TEST_CASE(broadcast_mismatch_names_both_shapes) {
  try {
    broadcast_shapes(Shape{2, 3}, Shape{4});
    BOOST_FAIL("expected ShapeError");
  } catch (const ShapeError& e) {
    BOOST_TEST(std::string(e.what()).find("[2, 3] and [4]") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(validate_rejects_negative_and_overflowing_shapes) {
  BOOST_CHECK_THROW((Shape{2, -1}.validate()), ShapeError);
  BOOST_CHECK_THROW((Shape{1 << 20, 1 << 20, 1 << 20}.validate()), ShapeError);
  BOOST_CHECK_NO_THROW((Shape{1 << 20, 1 << 20, 0}.validate()));
  BOOST_CHECK_NO_THROW((Shape{1 << 24, 1 << 24}.validate()));
}

BOOST_AUTO_TEST_CASE(normalize_axis_accepts_negative_and_rejects_out_of_range) {
  BOOST_TEST(normalize_axis(-1, 3) == 2u);
  BOOST_TEST(normalize_axis(0, 3) == 0u);
  BOOST_CHECK_THROW(normalize_axis(3, 3), ShapeError);
  BOOST_CHECK_THROW(normalize_axis(-4, 3), ShapeError);
  BOOST_CHECK_THROW(normalize_axis(0, 0), ShapeError);
}

BOOST_AUTO_TEST_CASE(broadcast_index_maps_each_target_element_to_its_source) {
  // [2,1] -> [2,3]: rows repeat their single element.
  const auto idx = broadcast_index(Shape{2, 1}, Shape{2, 3});
  BOOST_TEST(idx == (std::vector<std::int64_t>{0, 0, 0, 1, 1, 1}), boost::test_tools::per_element());
  // [3] -> [2,3]: columns repeat.
  const auto idx2 = broadcast_index(Shape{3}, Shape{2, 3});
  BOOST_TEST(idx2 == (std::vector<std::int64_t>{0, 1, 2, 0, 1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(permute_index_transposes) {
  // in [2,3] row-major 0..5; transposed [3,2] reads 0,3,1,4,2,5.
  const auto idx = permute_index(Shape{2, 3}, {1, 0});
  BOOST_TEST(idx == (std::vector<std::int64_t>{0, 3, 1, 4, 2, 5}), boost::test_tools::per_element());
  const auto id3 = permute_index(Shape{2, 3, 4}, {2, 0, 1});
  BOOST_TEST(id3.size() == 24u);
  // out [4,2,3], out[a,b,c] = in[b,c,a]; in strides [12,4,1].
  BOOST_TEST(id3[1] == 4);   // out[0,0,1] = in[0,1,0]
  BOOST_TEST(id3[2] == 8);   // out[0,0,2] = in[0,2,0]
  BOOST_TEST(id3[3] == 12);  // out[0,1,0] = in[1,0,0]
  BOOST_TEST(id3[6] == 1);   // out[1,0,0] = in[0,0,1]
}
