// mpi_world.hpp for a build without MPI.
#include <cstdlib>

#include "host/mpi/mpi_world.hpp"
#include "kernels/core/error.hpp"

namespace migra::host {

void mpi_start(int&, char**&) {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* n = std::getenv(v);
    if (n && std::atoi(n) > 1) {
      std::fprintf(stderr, "migra: error: started as %s ranks, but this migra was built without MPI "
                           "(every rank would run the whole job); rebuild with -DMIGRA_MPI=ON\n", n);
      std::exit(2);
    }
  }
}

void mpi_finish() {}
job::Transport* mpi_world() { return nullptr; }
int mpi_local_rank() { return -1; }
int mpi_local_size() { return 1; }
bool mpi_all(bool ok) { return ok; }

}  // namespace migra::host
