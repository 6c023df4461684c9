#define BOOST_TEST_MODULE spec_attention_ops
#include <boost/test/unit_test.hpp>

#include "spec/tests/support.hpp"

// scaled_dot_product_attention: values and gradients against torch 1.13
// (float64, softmax(q k^T * scale) v with a tril mask for causal, dyadic
// inputs), the full Jacobian against finite differences, the planted
// backward bug, and the shape errors. The composite of primitives is held
// equal to the op in reference/tests/test_attention_reference.cpp.

using namespace vt::spec;
using namespace vt::spec::testing;

namespace {
// q [2,3,4], k [2,3,4], v [2,3,2] and the cotangent g [2,3,2] of the torch script.
std::vector<Dense<double>> inputs() {
  return {D({2, 3, 4}, {0.5, -1, 0.25, 2, 1, 0.75, -0.5, 0, -2, 0.5, 1, -0.25, 0.25, 0.25, -1, 1, 0, -0.5, 0.5, 1.5, 1, 1, -1, -1}),
          D({2, 3, 4}, {1, 0, -0.5, 0.5, 0.25, -1, 1, 0, -0.75, 0.5, 0, 1, 0.5, -0.5, 0.5, -0.5, 1, 0.25, 0, -1, 0, 0, 1, 0.75}),
          D({2, 3, 2}, {1, 2, -1, 0.5, 0.25, -2, 0, 1, 2, -1, -0.5, 0.5})};
}
const Dense<double> kG = D({2, 3, 2}, {1, -1, 0.5, 2, -0.25, 1, 2, 0, -1, 0.5, 0.75, -0.5});

AttrMap attrs(bool causal, std::optional<double> scale) {
  AttrMap a;
  if (causal) a.set("causal", true);
  if (scale) a.set("scale", *scale);
  return a;
}
void close(const Dense<double>& got, const std::vector<double>& want, const char* what) {
  BOOST_REQUIRE_EQUAL(got.data.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i)
    BOOST_TEST(std::abs(got.data[i] - want[i]) <= 4e-16 * std::max(1.0, std::abs(want[i])), what << "[" << i << "]: " << got.data[i]
                                                                                                     << " vs torch " << want[i]);
}
std::string infer_error(std::vector<Shape> shapes, AttrMap a = {}) {
  std::vector<TensorType> in;
  for (auto& s : shapes) in.push_back(TensorType{DType::f64, std::move(s)});
  try {
    infer_type(*find_op("scaled_dot_product_attention"), in, a);
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(attention_matches_torch_plain_and_causal) {
  using Op = ops::ScaledDotProductAttention;
  {  // scale absent: 1/sqrt(4) = 0.5
    AttrMap a = attrs(false, {});
    close(run_forward<Op>(inputs(), a),
          {0.076539275878605748, 0.25498941357812555, 0.44463043379276368, 0.72089559712731877, -0.059537782885322438,
           -0.94375936270089411, 0.44445153345318594, 0.15407294000139171, -0.066840096400515192, 0.43732224423996191,
           1.3235264183512807, -0.41622259554965924},
          "y");
    const auto d = vjp_of<Op>(inputs(), kG, a);
    close(d[0],
          {-0.47862360560599815, 0.41510881112399189, -0.15798367906893374, 0.30049031308540675, 1.2963368974397262,
           -0.24062765029438099, -0.50776889818225901, -0.29405589987195679, 0.43421651846484222, -0.42508751338076434,
           0.1946711797767845, -0.30113577474925463, 0.44049289363347127, 0.1867716195880203, -0.44049289363347133,
           -0.72487352615078327, -0.15942484408293675, -0.05638084409429793, 0.15942484408293672, 0.26907869730100109,
           0.17916813146400162, 0.16297681467339248, -0.17916813146400157, -0.24263336097756757},
          "dq");
    close(d[1],
          {0.51764229110103877, 0.79710753004336976, -0.33007446255875594, -0.31162941677606371, -0.71728195171977538,
           0.27304636034231661, 0.24402247782130257, -0.52044986147009542, 0.19963966061873639, -1.0701538903856866,
           0.086051984737453402, 0.83207927824615902, -0.2197550093636883, -0.23297471582253929, 0.32495279123812226,
           0.10611733638093634, 0.39916885955421361, 0.48549113482510747, -0.86184984275800236, -0.030871172145403636,
           -0.17941385019052525, -0.25251641900256816, 0.5368970515198801, -0.075246164235532792},
          "dk");
    close(d[2],
          {0.6097918054199355, 0.86352909738523931, 0.3648839324549068, 0.31557041137386427, 0.27532426212515798,
           0.82090049124089637, 0.47211184417848207, 0.012078081836589774, 1.0349328219924425, -0.28048891931767711,
           0.24295533382907514, 0.26841083748108741},
          "dv");
  }
  {  // causal, scale 0.3
    AttrMap a = attrs(true, 0.3);
    close(run_forward<Op>(inputs(), a),
          {1, 2, 0.32524367434016499, 1.4939327557551239, -0.050587596469046703, -0.57111987179924784, 0, 1,
           0.79662563963428634, 0.20337436036571355, 1.0215716562430739, -0.18794506838864411},
          "causal y");
    const auto d = vjp_of<Op>(inputs(), kG, a);
    close(d[0],
          {0, 0, 0, 0, 0.20119872426788446, 0.26826496569051261, -0.40239744853576892, 0.13413248284525631,
           0.31222747259882061, -0.24686971323260276, 0.077728241894037875, -0.18195012220727463, 0, 0, 0, 0,
           -0.10784687282390663, -0.16177030923585994, 0.10784687282390663, 0.10784687282390663, 0.13150775850031765,
           0.10460300572430342, -0.13150775850031765, -0.18710293771602149},
          "causal dq");
    close(d[1],
          {0.059821205064039068, 0.25330966442450287, -0.029910602532019534, -0.026055470078309193, -0.52794332979182512,
           -0.13627913324255633, 0.26397166489591256, -0.032459795512664064, 0.46812212472778603, -0.11703053118194651,
           -0.23406106236389301, 0.058515265590973253, -0.11476170575875841, -0.22260857858266503, 0.22260857858266503,
           0.43830232423047832, 0.18888861137969687, 0.29673548420360352, -0.29673548420360352, -0.51242922985141681,
           -0.074126905620938446, -0.074126905620938446, 0.074126905620938446, 0.074126905620938446},
          "causal dk");
    close(d[2],
          {1.293687966982193, 0.47573548075155747, 0.085997791159440534, 1.005521486681908, -0.12968575814163366,
           0.51874303256653465, 1.6092483748395185, 0.16021988674317819, 0.015971566051303954, -0.077033180670393164,
           0.12478005910917758, -0.083186706072785055},
          "causal dv");
  }
}

BOOST_AUTO_TEST_CASE(attention_gradients_match_finite_differences) {
  std::mt19937 rng(20261126);
  const auto R = [&](Shape s) { return random_dense(std::move(s), -2, 2, rng); };
  for (AttrMap a : {attrs(false, {}), attrs(true, {}), attrs(false, 0.7), attrs(true, 0.25)}) {
    // L = 3 queries over S = 4 keys (causal rows see 1, 2, 3 keys), E = 5, Ev = 2, batch [2, 1].
    const auto r = gradcheck<ops::ScaledDotProductAttention>({R({2, 1, 3, 5}), R({2, 1, 4, 5}), R({2, 1, 4, 2})}, a);
    BOOST_TEST(r.worst < 1e-7, r.where << " (relative error " << r.worst << ")");
  }
}

BOOST_AUTO_TEST_CASE(planted_attention_bug_changes_the_gradients) {
  const auto right = vjp_of<ops::ScaledDotProductAttention>(inputs(), kG);
  const mutation::Plant bug(mutation::Mutant::attention_drops_softmax_correction);
  const auto wrong = vjp_of<ops::ScaledDotProductAttention>(inputs(), kG);
  BOOST_TEST(wrong[0].data != right[0].data);
  BOOST_TEST(wrong[1].data != right[1].data);
  BOOST_TEST(wrong[2].data == right[2].data);  // dv does not go through the softmax VJP
}

BOOST_AUTO_TEST_CASE(bad_attention_applications_name_the_problem) {
  const auto has = [](const std::string& msg, const std::string& part) {
    BOOST_TEST(msg.find(part) != std::string::npos, "'" << msg << "' lacks '" << part << "'");
  };
  has(infer_error({{2, 3, 4}, {2, 5, 3}, {2, 5, 2}}), "same last axis (E): q f64[2, 3, 4], k f64[2, 5, 3]");
  has(infer_error({{2, 3, 4}, {2, 5, 4}, {2, 6, 2}}), "same number of keys (S)");
  has(infer_error({{2, 3, 4}, {3, 5, 4}, {3, 5, 2}}), "equal batch axes");
  has(infer_error({{3, 4}, {2, 5, 4}, {2, 5, 2}}), "one rank");
  has(infer_error({{2, 3, 0}, {2, 5, 0}, {2, 5, 2}}), "E >= 1");
  has(infer_error({{4}, {5, 4}, {5, 2}}), "rank >= 2");
  AttrMap inf;
  inf.set("scale", std::numeric_limits<double>::infinity());
  has(infer_error({{3, 4}, {5, 4}, {5, 2}}, inf), "finite scale");
  BOOST_TEST(infer_error({{2, 3, 4}, {2, 5, 4}, {2, 5, 7}}).empty());
}
