#pragma once
/// Gradient-boosted regression trees through XGBoost's C API (paper 000 spec §4.1): squared
/// error, `trees` rounds of depth `depth`, everything else at XGBoost's defaults (eta 0.3,
/// `hist`, lambda 1, subsample 1). XGBoost works in float32: inputs are rounded to it, outputs
/// come back as doubles. TreeSHAP contributions are XGBoost's own (`pred_contribs`); each row's
/// contributions plus the bias (the last column) add up to its prediction.
#include <cstdint>
#include <string>
#include <vector>

namespace migra::pinn {

struct TreeConfig {
  int trees = 250, depth = 2, threads = 1;
  std::uint64_t seed = 0;
};

class BoostedTrees {
 public:
  /// X: rows × cols row-major, y: rows. Throws migra::Error (with XGBoost's message).
  static BoostedTrees fit(const std::vector<double>& X, const std::vector<double>& y, int cols, const TreeConfig& cfg);
  /// A model saved by to_json (XGBoost's JSON model format).
  static BoostedTrees from_json(const std::string& json, int cols);

  std::vector<double> predict(const std::vector<double>& X) const;
  /// rows × (cols + 1): per-feature SHAP values, then the bias.
  std::vector<double> contributions(const std::vector<double>& X) const;
  std::string to_json() const;
  int cols() const { return cols_; }

  BoostedTrees(BoostedTrees&& o) noexcept : handle_(o.handle_), cols_(o.cols_) { o.handle_ = nullptr; }
  BoostedTrees& operator=(BoostedTrees&&) = delete;
  BoostedTrees(const BoostedTrees&) = delete;
  ~BoostedTrees();

 private:
  BoostedTrees(void* h, int cols) : handle_(h), cols_(cols) {}
  std::vector<double> run_predict(const std::vector<double>& X, int mask) const;
  void* handle_;
  int cols_;
};

/// Whether this build has XGBoost (`pinn explain` and `pinn scenario` need it).
bool have_xgboost();

}  // namespace migra::pinn
