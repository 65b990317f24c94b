#pragma once
/// The MPI world, when migra was started by a launcher (mpirun, srun) and built with MPI
/// (MIGRA_MPI): rank 0 runs the scheduler and the other ranks take tasks from it. Started
/// with MPI_THREAD_SERIALIZED, since rank 0 talks to the others from a scheduler thread.
#include "host/job/transport.hpp"

namespace migra::host {

/// Called first thing by main(): initialises MPI when the environment shows a launcher
/// (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE). A launch with several ranks of a build
/// without MPI is refused (each rank would run the whole job into the same directory).
void mpi_start(int& argc, char**& argv);
/// Called by main() on the way out.
void mpi_finish();

/// The world, or null when this process is not part of an MPI launch.
job::Transport* mpi_world();
/// This rank's index among the ranks on its node (for one GPU per rank); -1 without MPI.
int mpi_local_rank();
/// The number of ranks on this node (1 without MPI).
int mpi_local_size();
/// Whether `ok` holds on every rank (a collective; just `ok` without MPI).
bool mpi_all(bool ok);

}  // namespace migra::host
