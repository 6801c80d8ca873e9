# `cmake --install build --prefix P` installs:
#   P/include/attn/...          headers, generated .inc files, TableGen files
#   P/lib/libAttn*.a            the libraries (libAttnCudaRuntime.so when built)
#   P/lib/libAttnPlugin.so      the mlir-opt plugin
#   P/bin/attn-opt, attn-run, attn-fuzz
#   P/lib/cmake/AttnMLIR/       find_package(AttnMLIR CONFIG): one imported
#                               target per library (AttnMLIR::AttnDialect, ...)
#                               and AttnMLIR::AttnMLIR for all of them, each
#                               carrying its MLIR/LLVM link and include needs.
include(CMakePackageConfigHelpers)

set(ATTN_INSTALL_CMAKE_DIR lib/cmake/AttnMLIR)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/attn
  DESTINATION include
  COMPONENT attn-headers
  FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/attn
  DESTINATION include
  COMPONENT attn-headers
  FILES_MATCHING PATTERN "*.inc"
  PATTERN "CMakeFiles" EXCLUDE)

get_property(ATTN_LIBRARIES GLOBAL PROPERTY ATTN_LIBRARIES)
install(TARGETS ${ATTN_LIBRARIES}
  EXPORT AttnMLIRTargets
  ARCHIVE DESTINATION lib
  LIBRARY DESTINATION lib
  INCLUDES DESTINATION include)
if(TARGET AttnCudaRuntime)
  install(TARGETS AttnCudaRuntime LIBRARY DESTINATION lib)
endif()
foreach(tool attn-opt attn-run attn-fuzz)
  if(TARGET ${tool})
    install(TARGETS ${tool} RUNTIME DESTINATION bin)
  endif()
endforeach()

install(EXPORT AttnMLIRTargets
  NAMESPACE AttnMLIR::
  DESTINATION ${ATTN_INSTALL_CMAKE_DIR})

# The config file finds the MLIR this project was built against (its
# MLIRConfig.cmake directory is recorded as a hint) before it imports the
# targets, whose link interfaces name MLIR's `MLIR` and `LLVM` targets.
set(ATTN_PACKAGE_LIBRARIES ${ATTN_LIBRARIES})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/AttnMLIRConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/AttnMLIRConfig.cmake
  INSTALL_DESTINATION ${ATTN_INSTALL_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cmake/AttnMLIRConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cmake/AttnMLIRConfig.cmake
  ${PROJECT_BINARY_DIR}/cmake/AttnMLIRConfigVersion.cmake
  DESTINATION ${ATTN_INSTALL_CMAKE_DIR})

# Install to a fresh prefix, build examples/consumer against it alone, and
# run it (examples/consumer/test.sh).
add_test(NAME install-consumer
  COMMAND bash ${PROJECT_SOURCE_DIR}/examples/consumer/test.sh
          ${CMAKE_BINARY_DIR} ${CMAKE_BINARY_DIR}/install-consumer)
set_tests_properties(install-consumer PROPERTIES TIMEOUT 900)
