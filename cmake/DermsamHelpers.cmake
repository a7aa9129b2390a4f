# dermsam_add_qt_test(<source>): one Qt Test executable per test file. Labels come from a line
# "// labels: unit parity" in the file itself, so adding a test never edits shared CMake files.
function(dermsam_add_test source)
    cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
    get_filename_component(name ${source} NAME_WE)
    add_executable(${name} ${source})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS} DermSAM::warnings)
    file(STRINGS ${source} label_line REGEX "^// labels:" LIMIT_COUNT 1)
    set(labels unit)
    if(label_line)
        string(REGEX REPLACE "^// labels:[ ]*" "" labels "${label_line}")
        separate_arguments(labels)
    endif()
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES
        LABELS "${labels}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;DERMSAM_SOURCE_DIR=${PROJECT_SOURCE_DIR};DERMSAM_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared"
        WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
    if("slow" IN_LIST labels)
        set_tests_properties(${name} PROPERTIES TIMEOUT 1800)
    else()
        set_tests_properties(${name} PROPERTIES TIMEOUT 600)
    endif()
endfunction()
