# The Debian package (cpack -G DEB; scripts/build-deb.sh is the way to build it): what
# configs/CMakeLists.txt installs, with the maintainer scripts in this directory. Configure
# with -DCMAKE_INSTALL_PREFIX=/usr so the files land where Debian expects them.
include(GNUInstallDirs)
set(webmon_debian ${PROJECT_SOURCE_DIR}/configs/debian)

# The Debian changelog and copyright file every package carries (lintian insists).
set(webmon_changelog ${PROJECT_BINARY_DIR}/configs/debian/changelog)
add_custom_command(
  OUTPUT ${webmon_changelog}.gz
  COMMAND ${CMAKE_COMMAND} -E copy ${webmon_debian}/changelog ${webmon_changelog}
  COMMAND gzip -n -9 -f ${webmon_changelog}
  DEPENDS ${webmon_debian}/changelog)
add_custom_target(webmon_debian_changelog ALL DEPENDS ${webmon_changelog}.gz)
install(FILES ${webmon_changelog}.gz ${webmon_debian}/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${webmon_debian}/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
        RENAME webmon)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME webmon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "website availability monitor: probes to Kafka, reports to PostgreSQL")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "webmon-producer probes HTTP(S), TCP, TLS and DNS targets, each on its own\n\
period and timeout, and publishes one JSON report per probe to Kafka,\n\
buffering while Kafka is unreachable. webmon-consumer stores the reports in\n\
PostgreSQL with hourly and daily rollups, exactly once, and answers uptime\n\
questions in SQL.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # webmon_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "webmon developers <maintainers@webmon.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The runtime libraries as dpkg-shlibdeps finds them in the binaries (librdkafka1,
# libpqxx-6.4, libcurl4, ...: never the -dev packages); adduser for the postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, kcat")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${webmon_debian}/conffiles ${webmon_debian}/postinst ${webmon_debian}/prerm
    ${webmon_debian}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
