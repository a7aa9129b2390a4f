# dermsam_add_qt_test(<source>): one Qt Test executable per test file. Labels come from a line
# "// labels: unit parity" in the file itself, so adding a test never edits shared CMake files.
function(dermsam_add_test source)
    cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
    get_filename_component(name ${source} NAME_WE)
    add_executable(${name} ${source})
    target_link_libraries(${name} PRIVATE ${ARG_LIBS} DermSAM::warnings)
    # A test's own code drives the libraries (built at -O3) and checks results; at -O3 its code
    # generation cost about as much as its parsing (tst_viewer_journeys: 8.8 s against 6.2 s at
    # -O1). -O1 keeps __OPTIMIZE__ defined, so the model's precompiled header stays valid.
    if(CMAKE_BUILD_TYPE STREQUAL "Release")
        target_compile_options(${name} PRIVATE -O1)
    endif()
    file(STRINGS ${source} label_line REGEX "^// labels:" LIMIT_COUNT 1)
    set(labels unit)
    if(label_line)
        string(REGEX REPLACE "^// labels:[ ]*" "" labels "${label_line}")
        separate_arguments(labels)
    endif()
    dermsam_reuse_torch_pch(${name})
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

# dermsam_reuse_torch_pch(<target>): the sources of <target> that include LibTorch's big headers
# (directly or through the model headers that do) reuse dermsam_model's precompiled header; the
# others skip it, because loading its 550 MB costs more than their own headers do. Decided per file
# from its #include lines, so a new source never edits this list.
set(DERMSAM_TORCH_INCLUDE_REGEX
    "^#include [<\"](torch/|ATen/ATen\\.h|model/(image_encoder|mask_decoder|prompt_encoder|sam_modules|compact_encoder|adamw_step|flat_linear|layer_norm_2d|mlp_block|two_way_transformer))")
#
# With UNITY <n>, the target is also built as unity units of at most <n> sources, the LibTorch
# sources and the others in separate units, so each unit either loads the big header once for
# several sources or not at all.
function(dermsam_reuse_torch_pch target)
    cmake_parse_arguments(ARG "" "UNITY" "" ${ARGN})
    if(NOT TARGET dermsam_model OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
        return()
    endif()
    get_target_property(sources ${target} SOURCES)
    get_target_property(source_dir ${target} SOURCE_DIR)
    get_target_property(binary_dir ${target} BINARY_DIR)
    set(uses_torch OFF)
    set(torch_count 0)
    set(plain_count 0)
    if(ARG_UNITY)
        set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_MODE GROUP)
    endif()
    foreach(source ${sources})
        if(NOT source MATCHES "\\.cpp$")
            continue()
        endif()
        if(NOT IS_ABSOLUTE ${source})
            set(source ${source_dir}/${source})
        endif()
        file(STRINGS ${source} hits REGEX "${DERMSAM_TORCH_INCLUDE_REGEX}" LIMIT_COUNT 1)
        if(hits)
            set(uses_torch ON)
            set(kind torch)
        else()
            set_source_files_properties(${source} TARGET_DIRECTORY ${target}
                                        PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
            set(kind plain)
        endif()
        if(ARG_UNITY)
            math(EXPR group "${${kind}_count} / ${ARG_UNITY}")
            math(EXPR ${kind}_count "${${kind}_count} + 1")
            set_source_files_properties(${source} TARGET_DIRECTORY ${target}
                                        PROPERTIES UNITY_GROUP ${kind}_${group})
            if(kind STREQUAL "plain")
                # CMake gives every unit of the target its header; the plain units skip it.
                set_source_files_properties(
                    ${binary_dir}/CMakeFiles/${target}.dir/Unity/unity_plain_${group}_cxx.cxx
                    TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
            endif()
        endif()
    endforeach()
    if(uses_torch)
        target_precompile_headers(${target} REUSE_FROM dermsam_model)
        # AUTOMOC's compilation unit needs no LibTorch either.
        set_source_files_properties(${binary_dir}/${target}_autogen/mocs_compilation.cpp
            TARGET_DIRECTORY ${target} PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
    endif()
endfunction()
