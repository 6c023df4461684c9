#define BOOST_TEST_MODULE train_optim_settings
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>

#include "vt/train/optim_settings.hpp"

// The optimizer settings table (what `veritape train` exposes): each kind
// takes exactly torch.optim's keywords for it; a kind's settings written out
// and read back give the same options; a setting the kind does not take, a
// value of the wrong type, an unknown name or an out-of-range value is refused
// with a message that names it.

using namespace vt::train;

namespace {
std::string message_of(OptimKind kind, const nlohmann::json& j) {
  try {
    (void)optim_options_from_json(kind, j, "test");
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(each_kind_takes_torchs_keywords) {
  BOOST_TEST(settings_taken_by(OptimKind::SGD) == "lr, momentum, dampening, nesterov, weight_decay");
  BOOST_TEST(settings_taken_by(OptimKind::Adagrad) == "lr, weight_decay, eps, lr_decay, initial_accumulator_value");
  BOOST_TEST(settings_taken_by(OptimKind::RMSprop) == "lr, momentum, weight_decay, eps, alpha, centered");
  BOOST_TEST(settings_taken_by(OptimKind::Adam) == "lr, weight_decay, betas, eps, amsgrad");
  BOOST_TEST(settings_taken_by(OptimKind::AdamW) == "lr, weight_decay, betas, eps, amsgrad");
  BOOST_TEST(settings_taken_by(OptimKind::Adadelta) == "lr, weight_decay, eps, rho");
}

BOOST_AUTO_TEST_CASE(settings_round_trip_through_json) {
  for (const OptimKind kind : {OptimKind::SGD, OptimKind::Adagrad, OptimKind::RMSprop, OptimKind::Adam, OptimKind::AdamW, OptimKind::Adadelta}) {
    OptimOptions o = OptimOptions::defaults(kind);
    o.lr = 0.125, o.weight_decay = 0.25;
    if (kind == OptimKind::SGD) o.momentum = 0.5, o.nesterov = true;
    if (kind == OptimKind::Adam) o.beta1 = 0.5, o.beta2 = 0.75, o.amsgrad = true;
    if (kind == OptimKind::RMSprop) o.alpha = 0.5, o.centered = true;
    if (kind == OptimKind::Adagrad) o.lr_decay = 0.5, o.initial_accumulator_value = 2;
    if (kind == OptimKind::Adadelta) o.rho = 0.5;
    const OptimOptions back = optim_options_from_json(kind, optim_settings_json(kind, o), "test");
    BOOST_TEST(optim_settings_json(kind, back) == optim_settings_json(kind, o), to_string(kind));
    BOOST_TEST(back.lr == 0.125);
  }
  // An empty object gives the kind's defaults (torch's).
  const OptimOptions d = optim_options_from_json(OptimKind::Adadelta, nlohmann::json::object(), "test");
  BOOST_TEST(d.lr == 1.0);
  BOOST_TEST(d.rho == 0.9);
  BOOST_TEST(d.eps == 1e-6);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_refused_by_name) {
  BOOST_TEST(message_of(OptimKind::SGD, {{"betas", {0.9, 0.99}}}).find("betas: does not apply to sgd") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::Adam, {{"momentum", 0.9}}).find("momentum: does not apply to adam") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::Adam, {{"lr", "fast"}}).find("lr: must be a number") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::Adam, {{"amsgrad", 1}}).find("amsgrad: must be true or false") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::Adam, {{"betas", {0.9}}}).find("betas: must be two numbers") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::Adam, {{"learning_rate", 0.1}}).find("no such optimizer setting") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::Adam, {{"betas", {1.5, 0.9}}}).find("invalid beta1 = 1.5") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::RMSprop, {{"alpha", -1}}).find("invalid alpha = -1") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::SGD, {{"nesterov", true}}).find("nesterov needs momentum > 0") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::SGD, nlohmann::json::array()).find("must be a JSON object") != std::string::npos);
  BOOST_TEST(message_of(OptimKind::Adam, {{"betas", {0.5, 0.5}}}).empty());
}
