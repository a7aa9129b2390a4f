// Protects model loading and the model's entry points from hostile shapes (issue 20): numbers
// read off a checkpoint that are zero, huge or inconsistent, and empty or ill-shaped inputs, give
// a ModelError naming the problem, never a division by zero or a multi-gigabyte allocation.
// labels: unit
#include "model/model_error.h"
#include "model/model_loader.h"
#include "model/prompts.h"
#include "model/sam_architecture.h"
#include "model/sam_model.h"
#include "model/serialization/pth_writer.h"
#include "model/serialization/safetensors.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <string>

using namespace dermsam;

namespace {

const std::string kEnc = "image_encoder.";

// The encoder of a tiny ViT that fromStateDict accepts: embed 32, patch 4, a 4 x 4 grid, one
// global block with 16-wide heads, MLP 64, 16 output channels.
TensorMap tinyVit() {
    TensorMap t;
    t[kEnc + "pos_embed"] = at::zeros({1, 4, 4, 32});
    t[kEnc + "patch_embed.proj.weight"] = at::zeros({32, 3, 4, 4});
    t[kEnc + "neck.0.weight"] = at::zeros({16, 32, 1, 1});
    const std::string b = kEnc + "blocks.0.";
    t[b + "attn.qkv.weight"] = at::zeros({96, 32});
    t[b + "attn.proj.weight"] = at::zeros({32, 32});
    t[b + "mlp.lin1.weight"] = at::zeros({64, 32});
    t[b + "mlp.lin2.weight"] = at::zeros({32, 64});
    t[b + "attn.rel_pos_h"] = at::zeros({7, 16});
    t[b + "attn.rel_pos_w"] = at::zeros({7, 16});
    return t;
}

// The built-in compact encoder's first tensors, `width` channels wide (empty where only their
// presence matters).
TensorMap compactStem(int64_t width) {
    TensorMap t;
    t[kEnc + "stem.0.weight"] = at::zeros({0});
    t[kEnc + "stem.3.weight"] = at::zeros({width, 0, 3, 3});
    t[kEnc + "stages.0.blocks.0.conv1.weight"] = at::zeros({width, width, 3, 3});
    t[kEnc + "out.weight"] = at::zeros({256, 128, 1, 1});
    return t;
}

// The state dict of a hostile case (see hostileShapes_data).
TensorMap hostile(const QString& name) {
    TensorMap t = tinyVit();
    const std::string b = kEnc + "blocks.0.";
    if (name == "head dim 0") {
        t[b + "attn.rel_pos_h"] = at::zeros({7, 0});
    } else if (name == "head dim above the embedding") {
        t[b + "attn.rel_pos_h"] = at::zeros({7, 64});
    } else if (name == "head dim not dividing") {
        t[b + "attn.rel_pos_h"] = at::zeros({7, 5});
    } else if (name == "rank-1 rel-pos table") {
        t[b + "attn.rel_pos_h"] = at::zeros({7});
    } else if (name == "rel-pos table past the grid") {
        t[b + "attn.rel_pos_h"] = at::zeros({101, 16});
    } else if (name == "huge empty embedding") {
        t[kEnc + "pos_embed"] = at::zeros({1, 0, 0, 1000000000});
    } else if (name == "empty grid") {
        t[kEnc + "pos_embed"] = at::zeros({1, 0, 0, 32});
    } else if (name == "grid not square") {
        t[kEnc + "pos_embed"] = at::zeros({1, 4, 5, 32});
    } else if (name == "patch size 0") {
        t[kEnc + "patch_embed.proj.weight"] = at::zeros({32, 3, 0, 0});
    } else if (name == "output channels 0") {
        t[kEnc + "neck.0.weight"] = at::zeros({0, 32, 1, 1});
    } else if (name == "block number past int") {
        t[kEnc + "blocks.99999999999999999999.norm1.weight"] = at::zeros({0});
    } else if (name == "200 blocks") {
        for (int i = 1; i < 200; ++i)
            t[kEnc + "blocks." + std::to_string(i) + ".norm1.weight"] = at::zeros({0});
    } else if (name == "gigabytes from empty tensors") {
        // Numbers inside the bounds (embed 4096, depth 128, MLP 16384): built as asked, the
        // encoder would be 25 billion parameters, from a file of a few kilobytes.
        t.clear();
        t[kEnc + "pos_embed"] = at::zeros({1, 1, 1, 4096});
        t[kEnc + "patch_embed.proj.weight"] = at::zeros({4096, 3, 1, 1});
        t[kEnc + "neck.0.weight"] = at::zeros({16, 4096, 1, 1});
        for (int i = 0; i < 128; ++i) {
            const std::string k = kEnc + "blocks." + std::to_string(i) + ".";
            t[k + "mlp.lin1.weight"] = at::zeros({16384, 0});
            t[k + "attn.rel_pos_h"] = at::zeros({1, 64});
        }
    } else if (name == "qkv of another shape") {
        t[b + "attn.qkv.weight"] = at::zeros({96, 31});
    } else if (name == "compact width 0") {
        t = compactStem(0);
    } else if (name == "compact width of a million") {
        t = compactStem(0);
        t[kEnc + "stem.3.weight"] = at::zeros({1000000, 0, 3, 3});
    } else if (name == "tinyvit stem of a million") {
        t.clear();
        t[kEnc + "patch_embed.seq.0.c.weight"] = at::zeros({1000000, 0, 1, 1});
    } else if (name == "tinyvit window of a thousand") {
        // LiteMedSAM-shaped up to its first attention block, whose bias table would make
        // 10^6 x 10^6 attention scores per window.
        t.clear();
        t[kEnc + "patch_embed.seq.0.c.weight"] = at::zeros({8, 3, 1, 1});
        t[kEnc + "layers.0.blocks.0.conv1.c.weight"] = at::zeros({32, 16, 1, 1});
        t[kEnc + "layers.1.blocks.0.attn.qkv.weight"] = at::zeros({72, 24});
        t[kEnc + "layers.1.blocks.0.mlp.fc1.weight"] = at::zeros({48, 24});
        t[kEnc + "layers.1.blocks.0.attn.attention_biases"] = at::zeros({2, 1000000});
        t[kEnc + "layers.2.blocks.0.attn.qkv.weight"] = at::zeros({0});
    } else if (name == "compact without its blocks") {
        t = compactStem(64);
        t[kEnc + "stem.3.weight"] = at::zeros({64, 32, 3, 3});
        t[kEnc + "stem.0.weight"] = at::zeros({32, 3, 3, 3});
    }
    return t;
}

} // namespace

class TestHostileCheckpoints : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void tinyVitIsAccepted();
    void hostileShapes_data();
    void hostileShapes();
    void entryPointsRefuseBadShapes_data();
    void entryPointsRefuseBadShapes();

private:
    QTemporaryDir m_dir;
    std::unique_ptr<SamModel> m_compact;
};

void TestHostileCheckpoints::initTestCase() {
    QVERIFY(m_dir.isValid());
    at::manual_seed(3);
    m_compact = std::make_unique<SamModel>(SamArchitecture::compact());
}

// The base of every hostile case is itself fine: each case fails for its own change only.
void TestHostileCheckpoints::tinyVitIsAccepted() {
    const SamArchitecture a = SamArchitecture::fromStateDict(tinyVit());
    QCOMPARE(a.embedDim, 32);
    QCOMPARE(a.numHeads, 2);
    QCOMPARE(a.imgSize, 16);
    QCOMPARE(a.depth, 1);
    QCOMPARE(a.outChans, 16);
    QCOMPARE(a.globalAttnIndexes, std::vector<int>{0});
}

void TestHostileCheckpoints::hostileShapes_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("why");
    const int arch = int(ErrorCode::UnknownArchitecture);
    auto row = [](const char* name, int code, const char* why) {
        QTest::newRow(name) << QString(name) << code << QString(why);
    };
    // The fuzzer's SIGFPEs: divisions by a head dim or patch size read off the file.
    row("head dim 0", arch, "head dim 0 is outside 1..32");
    row("head dim above the embedding", arch, "head dim 64 is outside 1..32");
    row("head dim not dividing", arch, "does not divide");
    row("patch size 0", arch, "patch size 0");
    row("huge empty embedding", arch, "embed dim 1000000000 is outside 1..4096");
    row("empty grid", arch, "embedding grid 0");
    row("grid not square", arch, "not square");
    row("rank-1 rel-pos table", arch, "expected 2 dimensions");
    row("rel-pos table past the grid", arch, "relative-position table length 101");
    row("output channels 0", arch, "output channels 0");
    row("block number past int", arch, "too large");
    row("200 blocks", arch, "encoder depth 200 is outside 1..128");
    row("gigabytes from empty tensors", int(ErrorCode::MissingKeys), "attn.qkv.weight");
    row("qkv of another shape", int(ErrorCode::ShapeMismatch), "expected (96, 32)");
    row("compact width 0", arch, "compact encoder width 0");
    row("compact width of a million", arch, "compact encoder width 1000000");
    row("compact without its blocks", int(ErrorCode::MissingKeys), "stages.0.blocks.0.conv2");
    row("tinyvit stem of a million", arch, "TinyViT patch embedding width 1000000");
    row("tinyvit window of a thousand", arch, "TinyViT attention offsets 1000000");
}

// Each case is written by the test as .safetensors and as .pth and loaded as the CLI loads a
// model: a ModelError with the file's path, before any network is built.
void TestHostileCheckpoints::hostileShapes() {
    QFETCH(QString, name);
    QFETCH(int, code);
    QFETCH(QString, why);
    const TensorMap tensors = hostile(name);
    for (const char* ext : {"safetensors", "pth"}) {
        const std::string path = m_dir.filePath(QStringLiteral("hostile.") + ext).toStdString();
        if (std::string(ext) == "pth")
            writePth(path, tensors);
        else
            writeSafetensors(path, tensors);
        try {
            loadModel(path);
            QFAIL("a hostile checkpoint was loaded");
        } catch (const ModelError& e) {
            QVERIFY2(int(e.code()) == code, e.what());
            QVERIFY2(e.detail().find(why.toStdString()) != std::string::npos, e.what());
            QCOMPARE(e.path(), path);
        }
    }
}

void TestHostileCheckpoints::entryPointsRefuseBadShapes_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("why");
    auto row = [](const char* name, ErrorCode code, const char* why) {
        QTest::newRow(name) << QString(name) << int(code) << QString(why);
    };
    // The fuzzer's case: forward with a (0, 3, 256, 256) input divided by zero in the decoder.
    row("encode an empty batch", ErrorCode::BadImage, "B >= 1, got (0, 3, 256, 256)");
    row("encode without a batch axis", ErrorCode::BadImage, "got (3, 256, 256)");
    row("encode four channels", ErrorCode::BadImage, "got (1, 4, 256, 256)");
    row("decode an empty embedding batch", ErrorCode::BadArgument, "got (0, 256, 64, 64)");
    row("decode 255 channels", ErrorCode::BadArgument, "got (1, 255, 64, 64)");
    row("decode a flat embedding", ErrorCode::BadArgument, "got (256, 4096)");
    row("decode no boxes", ErrorCode::BadPrompt, "boxes has shape (0, 4)");
    row("three embeddings for two boxes", ErrorCode::BadArgument,
        "3 image embeddings for 2 prompts");
    row("labels for other points", ErrorCode::BadPrompt, "point labels has shape (1, 3)");
    row("points and boxes disagree", ErrorCode::BadPrompt, "boxes holds 2 prompts, the others 1");
    row("architecture with no heads", ErrorCode::UnknownArchitecture, "head count 0");
    row("architecture with a zero patch", ErrorCode::UnknownArchitecture, "patch size 0");
}

void TestHostileCheckpoints::entryPointsRefuseBadShapes() {
    QFETCH(QString, name);
    QFETCH(int, code);
    QFETCH(QString, why);
    c10::InferenceMode guard;
    const SamModel& m = *m_compact;
    const at::Tensor embedding = at::zeros({1, 256, 64, 64});
    Prompts box;
    box.boxes.push_back({10, 10, 100, 120});
    PromptTensors two;
    two.boxes = at::tensor({10.f, 10.f, 100.f, 120.f, 20.f, 20.f, 90.f, 90.f}).view({2, 4});
    try {
        if (name == "encode an empty batch") {
            m.encode(at::zeros({0, 3, 256, 256}));
        } else if (name == "encode without a batch axis") {
            m.encode(at::zeros({3, 256, 256}));
        } else if (name == "encode four channels") {
            m.encode(at::zeros({1, 4, 256, 256}));
        } else if (name == "decode an empty embedding batch") {
            m.decode(at::zeros({0, 256, 64, 64}), box);
        } else if (name == "decode 255 channels") {
            m.decode(at::zeros({1, 255, 64, 64}), box);
        } else if (name == "decode a flat embedding") {
            m.decode(at::zeros({256, 4096}), box);
        } else if (name == "decode no boxes") {
            PromptTensors p;
            p.boxes = at::zeros({0, 4});
            m.decodeTensors(embedding, p, false);
        } else if (name == "three embeddings for two boxes") {
            m.decodeTensors(at::zeros({3, 256, 64, 64}), two, false);
        } else if (name == "labels for other points") {
            PromptTensors p;
            p.pointCoords = at::zeros({1, 2, 2});
            p.pointLabels = at::ones({1, 3});
            m.decodeTensors(embedding, p, false);
        } else if (name == "points and boxes disagree") {
            PromptTensors p = two;
            p.pointCoords = at::zeros({1, 1, 2});
            p.pointLabels = at::ones({1, 1});
            m.decodeTensors(embedding, p, false);
        } else if (name == "architecture with no heads") {
            SamArchitecture a = SamArchitecture::vitB();
            a.numHeads = 0;
            SamModel bad(a);
        } else if (name == "architecture with a zero patch") {
            SamArchitecture a = SamArchitecture::vitB();
            a.patchSize = 0;
            SamModel bad(a);
        }
        QFAIL("a bad shape was accepted");
    } catch (const ModelError& e) {
        QVERIFY2(int(e.code()) == code, e.what());
        QVERIFY2(e.detail().find(why.toStdString()) != std::string::npos, e.what());
    }
    // The model still works after each refusal.
    QCOMPARE(m.decode(embedding, box).lowResLogits.sizes().vec(),
             (std::vector<int64_t>{1, 1, 256, 256}));
}

QTEST_GUILESS_MAIN(TestHostileCheckpoints)
#include "tst_hostile_checkpoints.moc"
