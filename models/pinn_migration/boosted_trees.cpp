#include "models/pinn_migration/boosted_trees.hpp"

#include "kernels/core/error.hpp"

#ifdef MIGRA_HAVE_XGBOOST
#include <xgboost/c_api.h>

#include <limits>
#endif

namespace migra::pinn {

#ifdef MIGRA_HAVE_XGBOOST
namespace {

void ok(int status, const char* what) {
  MIGRA_THROW_IF_NOT_FMT(status == 0, "XGBoost %s: %s", what, XGBGetLastError());
}

/// A float32 DMatrix of rows × cols, freed on scope exit.
struct Matrix {
  DMatrixHandle h = nullptr;
  Matrix(const std::vector<double>& X, int cols) {
    MIGRA_THROW_IF_NOT_FMT(cols > 0 && X.size() % size_t(cols) == 0, "XGBoost: %zu values are not rows of %d", X.size(), cols);
    const std::vector<float> f(X.begin(), X.end());
    ok(XGDMatrixCreateFromMat(f.data(), bst_ulong(X.size() / size_t(cols)), bst_ulong(cols), std::numeric_limits<float>::quiet_NaN(), &h),
       "matrix");
  }
  ~Matrix() { XGDMatrixFree(h); }
};

}  // namespace

BoostedTrees BoostedTrees::fit(const std::vector<double>& X, const std::vector<double>& y, int cols, const TreeConfig& cfg) {
  Matrix m(X, cols);
  MIGRA_THROW_IF_NOT_FMT(y.size() * size_t(cols) == X.size() && !y.empty(), "XGBoost: one target per row needed");
  const std::vector<float> label(y.begin(), y.end());
  ok(XGDMatrixSetFloatInfo(m.h, "label", label.data(), bst_ulong(label.size())), "labels");
  BoosterHandle h = nullptr;
  ok(XGBoosterCreate(&m.h, 1, &h), "booster");
  BoostedTrees bt(h, cols);
  const std::string depth = std::to_string(cfg.depth), seed = std::to_string(cfg.seed), threads = std::to_string(cfg.threads);
  ok(XGBoosterSetParam(h, "objective", "reg:squarederror"), "objective");
  ok(XGBoosterSetParam(h, "max_depth", depth.c_str()), "max_depth");
  ok(XGBoosterSetParam(h, "tree_method", "hist"), "tree_method");
  ok(XGBoosterSetParam(h, "seed", seed.c_str()), "seed");
  ok(XGBoosterSetParam(h, "nthread", threads.c_str()), "nthread");
  ok(XGBoosterSetParam(h, "verbosity", "0"), "verbosity");
  for (int k = 0; k < cfg.trees; ++k) ok(XGBoosterUpdateOneIter(h, k, m.h), "training");
  return bt;
}

BoostedTrees BoostedTrees::from_json(const std::string& json, int cols) {
  BoosterHandle h = nullptr;
  ok(XGBoosterCreate(nullptr, 0, &h), "booster");
  BoostedTrees bt(h, cols);
  ok(XGBoosterLoadModelFromBuffer(h, json.data(), bst_ulong(json.size())), "model");
  bst_ulong n = 0;
  ok(XGBoosterGetNumFeature(h, &n), "model");
  MIGRA_THROW_IF_NOT_FMT(int(n) == cols, "XGBoost model: %d features, the design has %d", int(n), cols);
  return bt;
}

std::vector<double> BoostedTrees::run_predict(const std::vector<double>& X, int mask) const {
  Matrix m(X, cols_);
  bst_ulong len = 0;
  const float* out = nullptr;
  ok(XGBoosterPredict(handle_, m.h, mask, 0, 0, &len, &out), "prediction");
  return std::vector<double>(out, out + len);
}

std::vector<double> BoostedTrees::predict(const std::vector<double>& X) const { return run_predict(X, 0); }
std::vector<double> BoostedTrees::contributions(const std::vector<double>& X) const { return run_predict(X, 4); }

std::string BoostedTrees::to_json() const {
  bst_ulong len = 0;
  const char* buf = nullptr;
  ok(XGBoosterSaveModelToBuffer(handle_, "{\"format\": \"json\"}", &len, &buf), "save");
  return std::string(buf, len);
}

BoostedTrees::~BoostedTrees() {
  if (handle_) XGBoosterFree(handle_);
}

bool have_xgboost() { return true; }

#else

namespace {
[[noreturn]] void missing() { MIGRA_THROW_FMT("this build of migra has no XGBoost (install libxgboost-dev and reconfigure)"); }
}  // namespace

BoostedTrees BoostedTrees::fit(const std::vector<double>&, const std::vector<double>&, int, const TreeConfig&) { missing(); }
BoostedTrees BoostedTrees::from_json(const std::string&, int) { missing(); }
std::vector<double> BoostedTrees::run_predict(const std::vector<double>&, int) const { missing(); }
std::vector<double> BoostedTrees::predict(const std::vector<double>&) const { missing(); }
std::vector<double> BoostedTrees::contributions(const std::vector<double>&) const { missing(); }
std::string BoostedTrees::to_json() const { missing(); }
BoostedTrees::~BoostedTrees() = default;
bool have_xgboost() { return false; }

#endif

}  // namespace migra::pinn
