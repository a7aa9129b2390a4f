#include "core/dataset_split.h"

#include "core/core_error.h"
#include "io/atomic_file.h"
#include "io/files.h"

#include <QByteArray>
#include <QString>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>

namespace dermsam {

namespace {

std::vector<std::string> tokenize(const std::string& line) {
    std::vector<std::string> tokens;
    std::string current;
    for (char c : line) {
        if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';') {
            if (!current.empty())
                tokens.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty())
        tokens.push_back(std::move(current));
    return tokens;
}

[[noreturn]] void badLine(const std::string& path, int line, const std::string& what) {
    throw CoreError(CoreErrorCode::BadSplitFile, path,
                    "line " + std::to_string(line) + ": " + what);
}

} // namespace

const char* splitNameString(SplitName split) {
    switch (split) {
    case SplitName::Train:
        return "train";
    case SplitName::Val:
        return "val";
    case SplitName::Test:
        return "test";
    }
    return "train";
}

bool splitNameFromString(const std::string& text, SplitName& split) {
    const std::string s = io::asciiLower(text);
    if (s == "train" || s == "training") {
        split = SplitName::Train;
        return true;
    }
    if (s == "val" || s == "valid" || s == "validation") {
        split = SplitName::Val;
        return true;
    }
    if (s == "test" || s == "testing") {
        split = SplitName::Test;
        return true;
    }
    return false;
}

SplitFile parseSplitFile(const std::string& text, const std::string& pathForErrors) {
    SplitFile file;
    file.path = pathForErrors;
    std::map<std::string, SplitName> seen;
    std::istringstream in(text);
    std::string raw;
    int lineNumber = 0;
    bool sawData = false;
    while (std::getline(in, raw)) {
        ++lineNumber;
        const size_t hash = raw.find('#');
        const std::string content = hash == std::string::npos ? raw : raw.substr(0, hash);
        const std::vector<std::string> tokens = tokenize(content);
        if (tokens.empty())
            continue;
        if (!sawData && tokens.size() == 2 && io::asciiLower(tokens[0]) == "id" &&
            io::asciiLower(tokens[1]) == "split") {
            sawData = true; // header
            continue;
        }
        sawData = true;
        if (tokens.size() != 2)
            badLine(pathForErrors, lineNumber, "expected 'id split'");
        SplitName split;
        if (!splitNameFromString(tokens[1], split))
            badLine(pathForErrors, lineNumber, "unknown split '" + tokens[1] + "'");
        auto [it, inserted] = seen.emplace(tokens[0], split);
        if (!inserted) {
            if (it->second != split)
                badLine(pathForErrors, lineNumber, "id '" + tokens[0] + "' in two splits");
            continue;
        }
        file.entries.push_back({tokens[0], split, lineNumber});
    }
    return file;
}

SplitFile loadSplitFile(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw CoreError(CoreErrorCode::FileNotFound, path);
    return parseSplitFile(rethrowAsCoreError([&] { return io::readFile(path); }), path);
}

const std::vector<DatasetItem>& DatasetSplit::items(SplitName split) const {
    switch (split) {
    case SplitName::Val:
        return val;
    case SplitName::Test:
        return test;
    case SplitName::Train:
        break;
    }
    return train;
}

DatasetSplit applySplitFile(const Dataset& dataset, const SplitFile& file) {
    std::map<std::string, SplitName> assignment;
    DatasetSplit result;
    for (const SplitEntry& e : file.entries) {
        std::string id = e.id;
        if (dataset.find(id) == nullptr) {
            const std::string stem = std::filesystem::path(id).stem().string();
            if (dataset.find(stem) != nullptr)
                id = stem;
        }
        if (dataset.find(id) == nullptr)
            result.unknownIds.push_back(e.id);
        else
            assignment.emplace(id, e.split);
    }
    for (const DatasetItem& item : dataset.items) {
        auto it = assignment.find(item.id);
        if (it == assignment.end()) {
            result.unassignedIds.push_back(item.id);
            continue;
        }
        switch (it->second) {
        case SplitName::Train:
            result.train.push_back(item);
            break;
        case SplitName::Val:
            result.val.push_back(item);
            break;
        case SplitName::Test:
            result.test.push_back(item);
            break;
        }
    }
    return result;
}

DatasetSplit randomSplit(const Dataset& dataset, double trainRatio, double valRatio,
                         double testRatio, uint64_t seed) {
    const double sum = trainRatio + valRatio + testRatio;
    if (!(trainRatio >= 0 && valRatio >= 0 && testRatio >= 0 && sum > 0) || !std::isfinite(sum))
        throw CoreError(CoreErrorCode::BadArgument, {}, "split ratios");
    std::vector<DatasetItem> items = dataset.items;
    std::sort(items.begin(), items.end(),
              [](const DatasetItem& a, const DatasetItem& b) { return a.id < b.id; });
    std::mt19937_64 rng(seed);
    for (size_t i = items.size(); i > 1; --i) {
        const size_t j = static_cast<size_t>(rng() % i);
        std::swap(items[i - 1], items[j]);
    }
    const double n = static_cast<double>(items.size());
    const size_t nTrain =
        std::min(items.size(), static_cast<size_t>(std::lround(n * trainRatio / sum)));
    const size_t nVal =
        std::min(items.size() - nTrain, static_cast<size_t>(std::lround(n * valRatio / sum)));

    DatasetSplit result;
    result.train.assign(items.begin(), items.begin() + nTrain);
    result.val.assign(items.begin() + nTrain, items.begin() + nTrain + nVal);
    result.test.assign(items.begin() + nTrain + nVal, items.end());
    auto byId = [](const DatasetItem& a, const DatasetItem& b) { return a.id < b.id; };
    std::sort(result.train.begin(), result.train.end(), byId);
    std::sort(result.val.begin(), result.val.end(), byId);
    std::sort(result.test.begin(), result.test.end(), byId);
    return result;
}

void saveSplitFile(const std::string& path, const DatasetSplit& split) {
    std::vector<std::pair<std::string, SplitName>> lines;
    for (SplitName s : {SplitName::Train, SplitName::Val, SplitName::Test})
        for (const DatasetItem& item : split.items(s))
            lines.emplace_back(item.id, s);
    std::sort(lines.begin(), lines.end());
    std::string text;
    for (const auto& [id, s] : lines)
        text += id + " " + splitNameString(s) + "\n";

    rethrowAsCoreError([&] { io::writeFileAtomically(path, text); });
}

} // namespace dermsam
