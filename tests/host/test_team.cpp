// An ensemble split over a team of ranks: TransportTeam over an in-process transport (one
// thread per rank, messages through queues), against one process. MPI itself is checked by
// tests/host/mpi_equivalence.py; this one runs without mpirun and can make a member fail.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "host/job/transport_team.hpp"
#include "kernels/core/error.hpp"
#include "models/sim_dynamics/ensemble.hpp"

using namespace migra;

namespace {

/// Ranks as threads: a queue of messages per (sender, receiver).
class ThreadWorld {
 public:
  explicit ThreadWorld(int size) : size_(size) {}
  int size() const { return size_; }
  void send(int from, int to, const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    queues_[{from, to}].push_back(text);
    cv_.notify_all();
  }
  std::optional<job::Message> poll(int me) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int from = 0; from < size_; ++from)
      if (auto& q = queues_[{from, me}]; !q.empty()) return take(q, from);
    return std::nullopt;
  }
  job::Message receive(int from, int me) {
    std::unique_lock<std::mutex> lock(mu_);
    auto& q = queues_[{from, me}];
    cv_.wait(lock, [&] { return !q.empty(); });
    return take(q, from);
  }
  std::size_t pending() {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t n = 0;
    for (const auto& [key, q] : queues_) n += q.size();
    return n;
  }

 private:
  static job::Message take(std::deque<std::string>& q, int from) {
    job::Message m{from, std::move(q.front())};
    q.pop_front();
    return m;
  }
  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::pair<int, int>, std::deque<std::string>> queues_;
};

class ThreadTransport final : public job::Transport {
 public:
  ThreadTransport(ThreadWorld& w, int rank) : w_(w), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return w_.size(); }
  void send(int to, const std::string& text) override { w_.send(rank_, to, text); }
  std::optional<job::Message> poll() override { return w_.poll(rank_); }
  job::Message receive(int from) override { return w_.receive(from, rank_); }

 private:
  ThreadWorld& w_;
  int rank_;
};

sim::EnsembleConfig small_ensemble() {
  sim::EnsembleConfig cfg;
  cfg.map.sites = 120;
  cfg.map.side = 350;
  cfg.map.population = sim::InitialPopulation::LogNormal;
  cfg.dynamics.model = sim::DynamicsModel::Radiation;
  cfg.maps = 7;
  cfg.steps = 150;
  cfg.score_every = 5;
  cfg.seed = 11;
  return cfg;
}

stats::RankCurves reference_for(const sim::EnsembleConfig& cfg) {
  std::vector<double> values;
  for (int i = 1; i <= 600; ++i) values.push_back(1e6 / i);
  return sim::reference_curves(values, cfg.map.sites, 20, 5);
}

/// Runs the ensemble over `ranks` threads, member `fail` (if any) with no memory to spare;
/// returns the leader's result, or throws what the leader threw.
sim::EnsembleResult run_as_team(const sim::EnsembleConfig& cfg, const stats::RankCurves& ref, int ranks,
                                const sim::EnsembleState* resume = nullptr, int fail = -1,
                                std::size_t* left_over = nullptr) {
  ThreadWorld world(ranks);
  std::vector<std::thread> members;
  for (int r = 1; r < ranks; ++r)
    members.emplace_back([&, r] {
      ThreadTransport link(world, r);
      job::TransportTeam team(link);
      const auto join = link.receive(0);  // what the scheduler's member loop reads first
      sim::EnsembleConfig mine = cfg;
      if (r == fail) mine.memory_budget = 1;
      std::string error;
      try {
        sim::run_ensemble(mine, nullptr, {}, nullptr, {}, &team);
      } catch (const std::exception& e) {
        error = e.what();
      }
      team.member_done(error);
    });
  ThreadTransport link(world, 0);
  job::TransportTeam team(link, "join");
  std::optional<sim::EnsembleResult> result;
  std::string error;
  try {
    result = sim::run_ensemble(cfg, &ref, {}, resume, {}, &team);
  } catch (const std::exception& e) {
    error = e.what();
  }
  team.finish();
  for (auto& m : members) m.join();
  if (left_over) *left_over = world.pending();
  if (!result) throw Error(error);
  return *result;
}

void require_same(const sim::EnsembleResult& a, const sim::EnsembleResult& b) {
  REQUIRE(a.q_final == b.q_final);  // bitwise
  REQUIRE(a.q_tau == b.q_tau);
  REQUIRE(a.x == b.x);
  REQUIRE(a.y == b.y);
  REQUIRE(a.d_ks == b.d_ks);
  REQUIRE(a.scored_steps == b.scored_steps);
  REQUIRE(a.tau == b.tau);
  REQUIRE(a.max_rel_conservation_error == b.max_rel_conservation_error);
  REQUIRE(a.min_floor_ratio == b.min_floor_ratio);
  REQUIRE(a.at_tau.mean == b.at_tau.mean);
}

}  // namespace

TEST_CASE("team: an ensemble split over ranks gives one process's bits, whatever the split", "[team]") {
  const sim::EnsembleConfig cfg = small_ensemble();
  const stats::RankCurves ref = reference_for(cfg);
  const sim::EnsembleResult one = sim::run_ensemble(cfg, &ref);
  REQUIRE(one.scored_steps.size() == 31);
  for (int ranks : {2, 3, 9}) {  // 9 ranks for 7 maps: two members hold none
    INFO(ranks << " ranks");
    std::size_t left = 1;
    require_same(run_as_team(cfg, ref, ranks, nullptr, -1, &left), one);
    REQUIRE(left == 0);  // every message was taken
  }
}

TEST_CASE("team: a resumed team run ends with the uninterrupted bits", "[team]") {
  const sim::EnsembleConfig cfg = small_ensemble();
  const stats::RankCurves ref = reference_for(cfg);
  const sim::EnsembleResult one = sim::run_ensemble(cfg, &ref);
  std::optional<sim::EnsembleState> saved;
  sim::run_ensemble(cfg, &ref, {}, nullptr, [&](const sim::EnsembleState& s) {
    if (!saved) saved = s;
  });
  REQUIRE(saved);
  REQUIRE(saved->t == 32);
  require_same(run_as_team(cfg, ref, 3, &*saved), one);
}

TEST_CASE("team: a member that fails fails the leader with its rank, and nobody hangs", "[team]") {
  const sim::EnsembleConfig cfg = small_ensemble();
  const stats::RankCurves ref = reference_for(cfg);
  std::size_t left = 1;
  REQUIRE_THROWS_WITH(run_as_team(cfg, ref, 3, nullptr, 2, &left),
                      Catch::Contains("rank 2 failed") && Catch::Contains("over the"));
  REQUIRE(left == 0);  // the leader drained what the healthy member sent
}

TEST_CASE("team: a member out of GPU memory reaches the leader as CudaOutOfMemory", "[team]") {
  ThreadWorld world(2);
  ThreadTransport lead_link(world, 0), member_link(world, 1);
  job::TransportTeam leader(lead_link, "join"), member(member_link);
  std::string header = "h";
  leader.broadcast(header);
  REQUIRE(member_link.receive(0).text == "join");
  member.broadcast(header);
  member.member_done(std::string(job::TransportTeam::kOutOfMemory) + "2 GB more");
  REQUIRE_THROWS_AS(leader.gather(""), CudaOutOfMemory);
  leader.finish();  // already ended: returns at once
  REQUIRE(world.pending() == 0);
}
