// The compiled parts of Boost.JSON, built once for the whole program.
#include <boost/json/src.hpp>
