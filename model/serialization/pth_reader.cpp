#include "model/serialization/pth_reader.h"

#include "io/mapped_file.h"
#include "io/zip_archive.h"
#include "model/model_error.h"

#include <ATen/ATen.h>

#include <cstring>
#include <memory>

namespace dermsam {
namespace {

const std::string kModulePrefix = "module.";

// The archive's record folder: torch.save names it after the file ("weights/data.pkl") in older
// versions and "archive/" in newer ones; the pickle is at <folder>/data.pkl.
std::string archivePrefix(const io::ZipArchive& zip) {
    for (const io::ZipEntry& e : zip.entries()) {
        const size_t slash = e.name.find('/');
        if (slash != std::string::npos &&
            e.name.compare(slash, std::string::npos, "/data.pkl") == 0)
            return e.name.substr(0, slash + 1);
    }
    if (zip.find("data.pkl"))
        return {};
    throw ModelError(ErrorCode::BadPickle, zip.path(),
                     "no data.pkl record: not a torch.save checkpoint");
}

} // namespace

PickleDocument readPthPickle(const std::string& path) {
    return readPthPickle(rethrowAsModelError([&] { return io::MappedFile::open(path); }));
}

namespace {

// readPthPickle, where the archive's errors are still io::FileError.
PickleDocument readPthPickleFromArchive(std::shared_ptr<const io::MappedFile> file) {
    const auto zip = std::make_shared<io::ZipArchive>(std::move(file));
    const std::string& path = zip->path();
    const std::string prefix = archivePrefix(*zip);

    if (const io::ZipEntry* order = zip->find(prefix + "byteorder")) {
        zip->verifyCrc(*order);
        const std::string value(zip->data(*order), static_cast<size_t>(order->size));
        if (value != "little")
            throw ModelError(ErrorCode::UnsupportedFormat, path,
                             "byte order '" + value + "' (only little-endian files are supported)");
    }

    const io::ZipEntry* pkl = zip->find(prefix + "data.pkl");
    zip->verifyCrc(*pkl);

    StorageLoader loader = [zip, prefix](const std::string& key, at::ScalarType dtype,
                                         int64_t numel) -> at::Tensor {
        const at::TensorOptions options = at::TensorOptions().dtype(dtype);
        const size_t elementSize = c10::elementSize(dtype);
        if (numel > 0 && static_cast<uint64_t>(numel) > UINT64_MAX / elementSize)
            throw ModelError(ErrorCode::BadPickle, zip->path(), "storage '" + key + "' too large");
        const uint64_t nbytes = static_cast<uint64_t>(numel) * elementSize;
        const io::ZipEntry* e = zip->find(prefix + "data/" + key);
        if (!e) {
            if (numel == 0)
                return at::empty({0}, options);
            throw ModelError(ErrorCode::BadPickle, zip->path(),
                             "missing storage record 'data/" + key + "'");
        }
        if (e->size < nbytes)
            throw ModelError(ErrorCode::TruncatedFile, zip->path(),
                             "storage record 'data/" + key + "' holds " + std::to_string(e->size) +
                                 " bytes, " + std::to_string(nbytes) + " expected");
        zip->verifyCrc(*e);
        const char* src = zip->data(*e);
        if (dtype == at::kBool) {
            // Any non-zero byte is true; a bool tensor must hold only 0 and 1.
            at::Tensor bytes = at::empty({numel}, at::TensorOptions().dtype(at::kByte));
            if (nbytes)
                std::memcpy(bytes.data_ptr(), src, static_cast<size_t>(nbytes));
            return bytes.ne(0);
        }
        const auto addr = reinterpret_cast<uintptr_t>(src);
        if (numel > 0 && addr % elementSize == 0) {
            // View the mapping in place; the deleter keeps the archive (and mapping) alive.
            std::shared_ptr<const io::MappedFile> keep = zip->file();
            return at::from_blob(
                keep->writableAt(static_cast<size_t>(e->dataOffset)), {numel},
                [keep](void*) mutable { keep.reset(); }, options);
        }
        at::Tensor t = at::empty({numel}, options);
        if (nbytes)
            std::memcpy(t.data_ptr(), src, static_cast<size_t>(nbytes));
        return t;
    };
    return unpickle(zip->data(*pkl), static_cast<size_t>(pkl->size), loader, path);
}

} // namespace

PickleDocument readPthPickle(std::shared_ptr<const io::MappedFile> file) {
    return rethrowAsModelError([&] { return readPthPickleFromArchive(std::move(file)); });
}

TensorMap stateDictFromPickle(const PickleValue& root, const std::string& path) {
    using Kind = PickleValue::Kind;
    if (!root.is(Kind::Dict))
        throw ModelError(ErrorCode::BadPickle, path,
                         std::string("the checkpoint holds a ") + PickleValue::kindName(root.kind) +
                             ", not a state dict");
    const PickleValue* dict = &root;
    bool allTensors = !root.entries.empty();
    for (const auto& kv : root.entries)
        allTensors = allTensors && kv.second->is(Kind::Tensor);
    if (!allTensors) {
        const PickleValue* inner = nullptr;
        for (const char* key : {"model", "state_dict"}) {
            inner = root.get(std::string(key));
            if (inner && inner->is(Kind::Dict))
                break;
            inner = nullptr;
        }
        if (!inner)
            throw ModelError(ErrorCode::BadPickle, path,
                             "no state dict: the checkpoint is a dict with non-tensor values and "
                             "no 'model' or 'state_dict' entry");
        dict = inner;
    }

    TensorMap tensors;
    bool allPrefixed = !dict->entries.empty();
    for (const auto& kv : dict->entries) {
        if (!kv.first->is(Kind::String))
            throw ModelError(ErrorCode::BadPickle, path, "a state dict key is not a string");
        if (!kv.second->is(Kind::Tensor))
            throw ModelError(ErrorCode::BadPickle, path,
                             "state dict entry '" + kv.first->text + "' is a " +
                                 PickleValue::kindName(kv.second->kind) + ", not a tensor");
        allPrefixed = allPrefixed && kv.first->text.rfind(kModulePrefix, 0) == 0;
        tensors[kv.first->text] = kv.second->tensor;
    }
    if (tensors.empty())
        throw ModelError(ErrorCode::BadPickle, path, "the state dict is empty");
    if (allPrefixed) {
        TensorMap stripped;
        for (auto& kv : tensors)
            stripped[kv.first.substr(kModulePrefix.size())] = kv.second;
        tensors.swap(stripped);
    }
    return tensors;
}

TensorMap readPthStateDict(const std::string& path) {
    return readPthStateDict(rethrowAsModelError([&] { return io::MappedFile::open(path); }));
}

TensorMap readPthStateDict(std::shared_ptr<const io::MappedFile> file) {
    const std::string path = file->path();
    const PickleDocument doc = readPthPickle(std::move(file));
    return stateDictFromPickle(doc.root(), path);
}

} // namespace dermsam
