// Writes the fuzzers' seed corpora: files from DermSAM's own writers, hostile cases, ../shared.
// Usage: dermsam-fuzz-seeds OUT_DIR [SHARED_DIR]. Seeds are generated, never committed, and kept
// small (libFuzzer's default input size is the largest seed's).
#include "core/mask_io.h"
#include "io/mapped_file.h"
#include "io/zip_archive.h"
#include "model/serialization/npy.h"
#include "model/serialization/pth_writer.h"
#include "model/serialization/safetensors.h"
#include "tests/hostile_bytes.h"

#include <ATen/ATen.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace dermsam;

using dermsam::test::DicomBytes;
using dermsam::test::putBe32;
using dermsam::test::putLe16;
using dermsam::test::putLe32;

namespace {

fs::path g_out;
int g_count = 0;

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
    const fs::path dir = g_out / target;
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << bytes;
    ++g_count;
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string tempPath(const std::string& name) {
    return (fs::temp_directory_path() / ("dermsam-seeds-" + name)).string();
}

// --- model: npy, safetensors, zip, pickle, pth ---

TensorMap smallTensors() {
    TensorMap t;
    t["image_encoder.pos_embed"] = at::arange(12, at::kFloat).reshape({1, 2, 2, 3});
    t["mask_decoder.iou_token.weight"] = at::ones({1, 4}, at::kHalf);
    t["counts"] = at::arange(5, at::kLong);
    t["flags"] = at::tensor({1, 0, 1}, at::kByte).to(at::kBool);
    return t;
}

// The shape-bearing tensors of a miniature ViT (embed 8, patch 4, grid 4, one block): enough for
// SamArchitecture::fromStateDict to derive every number before it asks for the rest.
TensorMap miniVitShapes() {
    TensorMap t;
    const std::string e = "image_encoder.";
    t[e + "pos_embed"] = at::zeros({1, 4, 4, 8});
    t[e + "patch_embed.proj.weight"] = at::zeros({8, 3, 4, 4});
    t[e + "blocks.0.attn.rel_pos_h"] = at::zeros({7, 4});
    t[e + "blocks.0.attn.rel_pos_w"] = at::zeros({7, 4});
    t[e + "blocks.0.attn.qkv.weight"] = at::zeros({24, 8});
    t[e + "blocks.0.attn.proj.weight"] = at::zeros({8, 8});
    t[e + "blocks.0.mlp.lin1.weight"] = at::zeros({32, 8});
    t[e + "blocks.0.mlp.lin2.weight"] = at::zeros({8, 32});
    t[e + "neck.0.weight"] = at::zeros({16, 8, 1, 1});
    return t;
}

void modelSeeds() {
    seed("npy", "f32.npy", serializeNpy(at::arange(6, at::kFloat).reshape({2, 3})));
    seed("npy", "u8-hwc.npy", serializeNpy(at::arange(48, at::kByte).reshape({4, 4, 3})));
    seed("npy", "i64.npy", serializeNpy(at::arange(5, at::kLong)));
    seed("npy", "f16.npy", serializeNpy(at::ones({2, 2}, at::kHalf)));
    seed("npy", "bool.npy", serializeNpy(at::ones({3}, at::kBool)));
    seed("npy", "scalar.npy", serializeNpy(at::scalar_tensor(1.5, at::kDouble)));
    {
        std::string header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
        header.resize(118, ' ');
        header += '\n';
        std::string f("\x93NUMPY\x01\x00", 8);
        putLe16(f, static_cast<unsigned>(header.size()));
        seed("npy", "fortran.npy", f + header + std::string(24, '\x01'));
        // Hostile (tests/model/tst_npy.cpp): a 300-digit dimension, an overflowing shape.
        std::string big =
            "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::string(300, '9') + ",), }";
        std::string g("\x93NUMPY\x01\x00", 8);
        putLe16(g, static_cast<unsigned>(big.size() + 1));
        seed("npy", "huge-dim.npy", g + big + "\n");
        std::string wrap = "{'descr': '<f4', 'fortran_order': False, 'shape': "
                           "(4611686018427387904, 4), }";
        std::string h("\x93NUMPY\x01\x00", 8);
        putLe16(h, static_cast<unsigned>(wrap.size() + 1));
        seed("npy", "wrap.npy", h + wrap + "\n" + std::string(4, '\0'));
    }

    const TensorMap tensors = smallTensors();
    const std::string st = tempPath("t.safetensors");
    writeSafetensors(st, tensors, {{"format", "pt"}, {"dermsam.profile", "medsam"}});
    seed("safetensors", "small.safetensors", readFile(st));
    fs::remove(st);
    {
        std::string json = R"({"a":{"dtype":"F32","shape":[)";
        for (int i = 0; i < 40; ++i)
            json += i ? ",1" : "1";
        json += R"(],"data_offsets":[0,4]}})";
        std::string f;
        putLe32(f, static_cast<std::uint32_t>(json.size()));
        putLe32(f, 0);
        seed("safetensors", "many-dims.safetensors", f + json + std::string(4, '\0'));
        std::string nested =
            R"({"__metadata__":)" + std::string(30, '[') + std::string(30, ']') + "}";
        std::string g;
        putLe32(g, static_cast<std::uint32_t>(nested.size()));
        putLe32(g, 0);
        seed("safetensors", "nested.safetensors", g + nested);
    }

    const std::string pth = tempPath("t.pth");
    writePth(pth, tensors);
    const std::string pthBytes = readFile(pth);
    fs::remove(pth);
    seed("pth", "small.pth", pthBytes);
    const std::string vit = tempPath("vit.pth");
    writePth(vit, miniVitShapes());
    seed("pth", "mini-vit.pth", readFile(vit));
    fs::remove(vit);
    writeSafetensors(st, miniVitShapes());
    seed("safetensors", "mini-vit.safetensors", readFile(st));
    fs::remove(st);
    seed("zip", "small.pth", pthBytes);
    {
        const io::ZipArchive zip(io::MappedFile::fromBytes(pthBytes, "small.pth"));
        for (const io::ZipEntry& e : zip.entries())
            if (e.name.size() >= 8 && e.name.compare(e.name.size() - 8, 8, "data.pkl") == 0)
                seed("pickle", "small.pkl", zip.read(e.name));
    }
    seed("pickle", "state-dict.pkl", pthStateDictPickle(tensors));
    {
        std::ostringstream out;
        io::ZipWriter w(out, "zip64.zip", /*forceZip64=*/true);
        w.addEntry("archive/data.pkl", pthStateDictPickle({}));
        w.addEntry("archive/byteorder", "little");
        w.addEntry("archive/data/0", std::string(16, '\x7f'));
        w.finish();
        seed("zip", "zip64.zip", out.str());
        seed("pth", "zip64-empty.pth", out.str());
    }
    // A hostile pickle (docs/reliability.md): deep nesting of tuples, no STOP at the end.
    seed("pickle", "deep-marks.pkl", std::string("\x80\x02", 2) + std::string(200, '('));
}

// --- core: images, DICOM, sidecars, calibration, split files ---

std::string encode(const std::string& ext, const cv::Mat& m, const std::vector<int>& params = {}) {
    std::vector<uchar> buf;
    cv::imencode(ext, m, buf, params);
    return std::string(buf.begin(), buf.end());
}

// A PNG whose IHDR declares width x height (CRC fixed up), followed by the rest of a real PNG.
std::string pngDeclaring(std::string png, std::uint32_t width, std::uint32_t height) {
    std::string dims;
    putBe32(dims, width);
    putBe32(dims, height);
    png.replace(16, 8, dims);
    const std::uint32_t crc = io::crc32(png.data() + 12, 17);
    std::string c;
    putBe32(c, crc);
    png.replace(29, 4, c);
    return png;
}

void imageSeeds(const fs::path& shared) {
    std::vector<cv::Mat> pictures;
    const fs::path images = shared / "data/isic2018-512/images";
    const fs::path masks = shared / "data/isic2018-512/masks";
    std::error_code ec;
    if (fs::is_directory(images, ec)) {
        int n = 0;
        for (const auto& e : fs::directory_iterator(images)) {
            if (n++ == 2)
                break;
            cv::Mat m = cv::imread(e.path().string(), cv::IMREAD_COLOR);
            if (!m.empty()) {
                cv::resize(m, m, cv::Size(48, 36), 0, 0, cv::INTER_AREA);
                pictures.push_back(m);
            }
        }
        for (const auto& e : fs::directory_iterator(masks)) {
            cv::Mat m = cv::imread(e.path().string(), cv::IMREAD_GRAYSCALE);
            if (!m.empty()) {
                cv::resize(m, m, cv::Size(48, 36), 0, 0, cv::INTER_NEAREST);
                seed("image", "mask.png", encode(".png", m));
            }
            break;
        }
    } else {
        std::cerr << "dermsam-fuzz-seeds: no " << images << ", synthetic images only\n";
    }
    cv::Mat gradient(24, 32, CV_8UC3);
    for (int y = 0; y < gradient.rows; ++y)
        for (int x = 0; x < gradient.cols; ++x)
            gradient.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 8), uchar(y * 10), uchar(x + y));
    pictures.push_back(gradient);

    for (size_t i = 0; i < pictures.size(); ++i) {
        const std::string n = std::to_string(i);
        const cv::Mat& p = pictures[i];
        const std::string jpg = encode(".jpg", p, {cv::IMWRITE_JPEG_QUALITY, 80});
        seed("image", n + ".jpg", jpg);
        seed("image", n + "-truncated.jpg", jpg.substr(0, jpg.size() * 6 / 10));
        seed("image", n + "-progressive.jpg", encode(".jpg", p, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
        seed("image", n + ".png", encode(".png", p));
        seed("image", n + ".bmp", encode(".bmp", p));
        seed("image", n + ".tif", encode(".tiff", p));
        cv::Mat grey;
        cv::cvtColor(p, grey, cv::COLOR_BGR2GRAY);
        seed("image", n + "-grey.jpg", encode(".jpg", grey));
        cv::Mat grey16;
        grey.convertTo(grey16, CV_16U, 257);
        seed("image", n + "-grey16.png", encode(".png", grey16));
        seed("image", n + "-grey16.tif", encode(".tiff", grey16));
        cv::Mat rgba;
        cv::cvtColor(p, rgba, cv::COLOR_BGR2BGRA);
        seed("image", n + "-rgba.png", encode(".png", rgba));
    }
    // Hostile headers (tests/core/tst_hostile_images.cpp): a huge declared PNG, a JPEG SOF
    // patched to 32000 x 32000.
    const std::string png = encode(".png", gradient);
    seed("image", "declares-30000.png", pngDeclaring(png, 30000, 30000));
    std::string jpg = encode(".jpg", gradient);
    const size_t sof = jpg.find("\xff\xc0");
    if (sof != std::string::npos && sof + 9 <= jpg.size()) {
        jpg[sof + 5] = jpg[sof + 7] = '\x7d';
        jpg[sof + 6] = jpg[sof + 8] = '\x00';
        seed("image", "declares-32000.jpg", jpg);
    }
    seed("image", "rgb.npy", serializeNpy(at::arange(48, at::kByte).reshape({4, 4, 3})));
    seed("image", "float.npy", serializeNpy(at::rand({4, 5}, at::kFloat)));

    DicomBytes mono(false);
    mono.image(4, 6, 1, 8, -1, true);
    seed("dicom", "mono.dcm", mono.bytes());
    seed("image", "mono.dcm", mono.bytes());
    DicomBytes implicitMono(true);
    implicitMono.image(4, 6, 1, 8, -1, true);
    seed("dicom", "implicit.dcm", implicitMono.bytes());
    DicomBytes rgb(false);
    rgb.image(4, 4, 3, 8, -1, true);
    seed("dicom", "rgb.dcm", rgb.bytes());
    DicomBytes sixteen(false);
    sixteen.image(3, 5, 1, 16, -1, true);
    seed("dicom", "mono16.dcm", sixteen.bytes());
    for (int depth : {3, 20}) {
        DicomBytes nested(depth == 20);
        for (int i = 0; i < depth; ++i)
            nested.openSequenceAndItem();
        for (int i = 0; i < depth; ++i)
            nested.closeItemAndSequence();
        nested.image(4, 6, 1, 8, -1, true);
        seed("dicom", "nested-" + std::to_string(depth) + ".dcm", nested.bytes());
    }
    DicomBytes huge(false);
    huge.image(4, 6, 1, 8, -1, true);
    std::string hugeBytes = huge.bytes();
    seed("dicom", "truncated.dcm", hugeBytes.substr(0, hugeBytes.size() - 10));
}

void textSeeds(const fs::path& shared) {
    MaskSidecar s;
    s.prompts.boxes.push_back({10.5f, 12, 200, 180});
    s.prompts.points.push_back({50, 60, 1});
    s.prompts.points.push_back({5, 6, 0});
    s.sourceImage = "ISIC_0000000.jpg";
    s.modelFile = "default";
    s.modelHash = std::string(64, 'a');
    s.preprocessingProfile = "medsam";
    s.predictedIou = 0.93;
    s.edited = true;
    s.createdUtc = "2024-05-01T12:00:00Z";
    s.appVersion = "0.1.0";
    s.operatorName = "Dr. Test";
    s.pixelSizeRowMm = s.pixelSizeColMm = 0.02;
    s.pixelSizeSource = "calibration";
    s.calibrationLine = std::array<double, 4>{1, 2, 30, 40};
    s.measurements = {{"areaPx", 1234}, {"areaMm2", 0.49}, {"maxDiameterPx", 50}};
    seed("sidecar", "full.json", sidecarToJson(s, 512, 384));
    seed("sidecar", "minimal.json", sidecarToJson(MaskSidecar{}, 1, 1));
    seed("sidecar", "nested.json", std::string(64, '[') + std::string(64, ']'));

    const std::string cal = tempPath("x_calibration.json");
    saveCalibration(cal, Calibration{0.05, {1, 2, 101, 2}});
    seed("calibration", "calibration.json", readFile(cal));
    fs::remove(cal);
    seed("calibration", "not-calibration.json", R"({"format":"other","mmPerPixel":1e309})");

    seed("split", "generated.txt",
         "id split\r\n# comment\r\nISIC_0000000 train\r\nimages/a.png,val\r\n\r\nb\ttest\r\n");
    seed("split", "duplicate.txt", "a train\na train\na test\n");
    const fs::path splits = shared / "data/isic2018-512/splits.txt";
    std::ifstream in(splits);
    std::string line, head;
    for (int i = 0; in && i < 40 && std::getline(in, line); ++i)
        head += line + "\n";
    if (!head.empty())
        seed("split", "isic-head.txt", head);
}

// The real model's pickle: a few KB describing hundreds of tensors, the best pickle seed.
void sharedModelSeeds(const fs::path& shared) {
    const fs::path weights = shared / "fixtures/sam-parity-tiny/weights.pth";
    std::error_code ec;
    if (!fs::is_regular_file(weights, ec))
        return;
    const io::ZipArchive zip(io::MappedFile::open(weights.string()));
    for (const io::ZipEntry& e : zip.entries())
        if (e.name.size() >= 8 && e.name.compare(e.name.size() - 8, 8, "data.pkl") == 0 &&
            e.size < (64u << 10))
            seed("pickle", "sam-parity-tiny.pkl", zip.read(e.name));
    for (const char* name : {"box_iou_predictions.npy"}) {
        const fs::path npy = shared / "fixtures/sam-parity-tiny" / name;
        if (fs::is_regular_file(npy, ec))
            seed("npy", name, readFile(npy));
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: dermsam-fuzz-seeds OUT_DIR [SHARED_DIR]\n";
        return 2;
    }
    g_out = argv[1];
    const fs::path shared = argc > 2 ? fs::path(argv[2]) : fs::path();
    try {
        modelSeeds();
        imageSeeds(shared);
        textSeeds(shared);
        if (!shared.empty())
            sharedModelSeeds(shared);
    } catch (const std::exception& e) {
        std::cerr << "dermsam-fuzz-seeds: " << e.what() << "\n";
        return 1;
    }
    std::cout << "dermsam-fuzz-seeds: " << g_count << " seeds in " << g_out.string() << "\n";
    return 0;
}
