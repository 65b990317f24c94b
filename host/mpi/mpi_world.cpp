// MPI build of mpi_world.hpp.
#include "host/mpi/mpi_world.hpp"

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "kernels/core/error.hpp"

namespace migra::host {
namespace {

constexpr int kTag = 7;

class MpiTransport final : public job::Transport {
 public:
  MpiTransport() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &local_rank_);
    MPI_Comm_size(node, &local_size_);
    MPI_Comm_free(&node);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  void send(int to, const std::string& text) override {
    MPI_Send(text.data(), int(text.size()), MPI_CHAR, to, kTag, MPI_COMM_WORLD);
  }
  std::optional<job::Message> poll() override {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &flag, &st);
    if (!flag) return std::nullopt;
    return take(st);
  }
  job::Message receive(int from) override {
    for (;;) {  // probe with a pause rather than MPI_Probe, which spins a core while waiting
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(from, kTag, MPI_COMM_WORLD, &flag, &st);
      if (flag) return take(st);
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }

 private:
  job::Message take(MPI_Status& st) {
    int n = 0;
    MPI_Get_count(&st, MPI_CHAR, &n);
    std::string text(size_t(n), '\0');
    MPI_Recv(text.data(), n, MPI_CHAR, st.MPI_SOURCE, kTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return {st.MPI_SOURCE, std::move(text)};
  }
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
};

std::unique_ptr<MpiTransport> g_world;

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

}  // namespace

void mpi_start(int& argc, char**& argv) {
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  if (provided < MPI_THREAD_SERIALIZED) {
    std::fprintf(stderr, "migra: error: this MPI provides thread level %d, below MPI_THREAD_SERIALIZED\n", provided);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  g_world = std::make_unique<MpiTransport>();
}

void mpi_finish() {
  if (!g_world) return;
  g_world.reset();
  MPI_Finalize();
}

job::Transport* mpi_world() { return g_world.get(); }

int mpi_local_rank() { return g_world ? g_world->local_rank() : -1; }
int mpi_local_size() { return g_world ? g_world->local_size() : 1; }

bool mpi_all(bool ok) {
  if (!g_world) return ok;
  int mine = ok ? 1 : 0, all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  return all != 0;
}

}  // namespace migra::host
