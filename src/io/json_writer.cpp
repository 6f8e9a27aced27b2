// JsonWriter (json_writer.hpp): separators, block indentation and keys.
#include "dynaq/json_writer.hpp"

#include <stdexcept>

namespace dynaq {

void JsonWriter::indent(std::size_t depth) {
  out_ << '\n';
  for (std::size_t k = 0; k < base_depth_ + depth; ++k) out_ << "  ";
}

void JsonWriter::before_value() {
  if (after_key_) {  // the value of a member: its key has placed it
    after_key_ = false;
    return;
  }
  if (levels_.empty()) return;
  Level& level = levels_.back();
  if (!level.empty) out_ << (level.layout == Layout::kBlock ? "," : ", ");
  if (level.layout == Layout::kBlock) indent(levels_.size());
  level.empty = false;
}

JsonWriter& JsonWriter::key(const std::string& name) {
  if (levels_.empty() || after_key_) throw std::logic_error("JsonWriter: a key outside an object or after a key");
  before_value();
  out_ << json_string(name) << ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::raw(const std::string& json) {
  before_value();
  out_ << json;
  return *this;
}

JsonWriter& JsonWriter::open(char bracket, Layout layout) {
  before_value();
  out_ << bracket;
  levels_.push_back({layout});
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  if (levels_.empty() || after_key_) throw std::logic_error("JsonWriter: a close without its open or value");
  const Level level = levels_.back();
  levels_.pop_back();
  if (level.layout == Layout::kBlock && !level.empty) indent(levels_.size());
  out_ << bracket;
  return *this;
}

}  // namespace dynaq
