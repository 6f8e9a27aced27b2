// The tabular MDP JSON reader and writer. (Being written.)
#include "dynaq/mdp_json.hpp"

#include <stdexcept>

namespace dynaq {
TabularMdp parse_mdp_json(std::string_view, const std::string&) { throw std::logic_error("parse_mdp_json: not implemented"); }
TabularMdp load_mdp_json_file(const std::string&) { throw std::logic_error("load_mdp_json_file: not implemented"); }
void write_mdp_json(const TabularMdp&, std::ostream&) { throw std::logic_error("write_mdp_json: not implemented"); }
}  // namespace dynaq
