# Writes OUTPUT, a C++ file that holds every file below SOURCE_DIR as a byte
# array, for server/embedded_assets.hpp. Run with cmake -P at build time.
file(GLOB_RECURSE files RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*")
list(SORT files)
set(arrays "")
set(entries "")
set(index 0)
foreach(name IN LISTS files)
  file(READ "${SOURCE_DIR}/${name}" content HEX)
  string(LENGTH "${content}" hex_length)
  math(EXPR size "${hex_length} / 2")
  # Every byte as a \xNN escape: no escape can run into the next one.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" bytes "${content}")
  string(APPEND arrays "constexpr char kAsset${index}[] = \"${bytes}\";\n")
  string(APPEND entries "    {\"/${name}\", {kAsset${index}, ${size}}},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp"
  "// Generated from web_demo/ by server/embed_assets.cmake. Do not edit.\n"
  "#include \"server/embedded_assets.hpp\"\n\n"
  "namespace server {\nnamespace {\n\n${arrays}\n"
  "constexpr embedded_asset kAssets[] = {\n${entries}};\n\n"
  "}  // namespace\n\n"
  "std::span<const embedded_asset> embedded_assets() noexcept {\n"
  "  return kAssets;\n}\n\n}  // namespace server\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
