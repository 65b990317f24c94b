#pragma once
/// Doubles as raw bytes and back: the states of checkpoints and the messages between ranks of
/// one build on one kind of machine, where bits must survive exactly.
#include <cstddef>
#include <string>
#include <vector>

namespace migra {

void append_doubles(std::string& bytes, const double* v, std::size_t count);
/// Reads `count` doubles at `offset` into v and returns the offset after them; reading past
/// the end of `bytes` throws migra::Error.
std::size_t read_doubles(const std::string& bytes, std::size_t offset, double* v, std::size_t count);

/// A vector as its length then its values, and back.
void append_vector(std::string& bytes, const std::vector<double>& v);
std::size_t read_vector(const std::string& bytes, std::size_t offset, std::vector<double>& v);

}  // namespace migra
