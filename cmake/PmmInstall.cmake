# install(EXPORT): pmm::core (and pmm::device; pmm::torch when LibTorch was found) for find_package(pmm).
include(CMakePackageConfigHelpers)
install(DIRECTORY include/pmm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        PATTERN "torch" EXCLUDE)
if(PMM_HAVE_TORCH)
  install(DIRECTORY include/pmm/models/torch DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pmm/models)
  list(APPEND PMM_INSTALL_TARGETS pmm_torch)
endif()
# Random123 is header-only with no CMake package: its folder is recorded for consumers.
target_include_directories(pmm_core SYSTEM INTERFACE $<INSTALL_INTERFACE:${RANDOM123_INCLUDE_DIR}>)
install(TARGETS ${PMM_INSTALL_TARGETS} EXPORT pmmTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT pmmTargets NAMESPACE pmm:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pmm)
set(PMM_CONFIG_HAVE_TORCH ${PMM_HAVE_TORCH})
set(PMM_CONFIG_HAVE_CUDA ${PMM_HAVE_CUDA})
if(OpenMP_CXX_FOUND AND PMM_HAVE_THRUST)
  set(PMM_CONFIG_HAVE_OMP ON)
else()
  set(PMM_CONFIG_HAVE_OMP OFF)
endif()
configure_package_config_file(cmake/pmmConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/pmmConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pmm)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pmmConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pmmConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/pmmConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pmm)
