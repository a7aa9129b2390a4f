// Protects LiteMedSAM through the real dermsam-cli: info, forward and segment match upstream;
// finetune trains its mask decoder only.
// labels: parity e2e
#include "cli_run.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"
#include "model/serialization/checkpoint.h"
#include "model/serialization/npy.h"
#include "model/serialization/safetensors.h"
#include "test_support.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <opencv2/imgcodecs.hpp>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace dermsam;

namespace {

QString liteFixtureDir() {
    const QString shared = test::sharedDir();
    const QString dir = shared + "/fixtures/litemedsam-parity";
    return !shared.isEmpty() && QDir(dir).exists() ? dir : QString();
}

using dermsam::test::cli;
using Run = dermsam::test::CliRun;

at::Tensor readMask(const QString& path) {
    const cv::Mat m = cv::imread(path.toStdString(), cv::IMREAD_GRAYSCALE);
    if (m.empty())
        return {};
    return at::from_blob(m.data, {m.rows, m.cols}, at::kByte).clone() > 0;
}

double relativeError(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>() /
           b.to(at::kDouble).abs().max().item<double>();
}

const QStringList kE2eBox{"--box", "210,150,590,470"}; // cases.json e2e box, image pixels

} // namespace

class TestCliLiteMedSam : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void infoNamesIt();
    void segmentReleasedFormat();
    void segmentMatchesUpstream();
    void forwardMatchesUpstream();
    void finetuneTrainsTheDecoderOnly();

private:
    QString m_dir;
    QTemporaryDir m_tmp;
    QString m_fixtureWeights; // weights.pth with the attention biases upstream's reference used
};

void TestCliLiteMedSam::initTestCase() {
    m_dir = liteFixtureDir();
    if (m_dir.isEmpty())
        QSKIP("../shared/fixtures/litemedsam-parity is absent: LiteMedSAM CLI tests skipped");
    QVERIFY(m_tmp.isValid());
    // The fixture's references were made with upstream's eval-mode copy of the attention biases
    // taken before the random weights were set, i.e. with zero biases (see
    // tst_litemedsam_parity): a .safetensors copy with those biases zeroed reproduces them, and
    // exercises the .safetensors path.
    TensorMap t = readCheckpoint((m_dir + "/weights.pth").toStdString()).tensors;
    for (auto& [k, v] : t)
        if (k.find("attention_biases") != std::string::npos)
            v = at::zeros_like(v);
    m_fixtureWeights = m_tmp.path() + "/litemedsam-reference-biases.safetensors";
    writeSafetensors(m_fixtureWeights.toStdString(), t);
}

void TestCliLiteMedSam::infoNamesIt() {
    const Run r = cli({"info", "--model", m_dir + "/weights.pth", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject o = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(o.value("architecture").toObject().value("encoder").toString(), QString("tinyvit"));
    QCOMPARE(o.value("name").toString(), QString("litemedsam"));
    QCOMPARE(o.value("profile").toString(), QString("litemedsam"));
    QCOMPARE(o.value("parameters").toObject().value("total").toInteger(), 9791300);
    const Run text = cli({"info", "--model", m_dir + "/weights.pth"});
    QVERIFY2(text.out.contains("tinyvit (LiteMedSAM)"), text.out.constData());
}

void TestCliLiteMedSam::segmentReleasedFormat() {
    // weights.pth exactly as upstream saves lite_medsam.pth: the CLI's mask is the library's
    // (load, preprocess, encode, box, decode, postprocess) for the same image and box.
    const QString out = m_tmp.path() + "/released_segmentation.png";
    const Run r =
        cli({"segment", "--model", m_dir + "/weights.pth", "--image", m_dir + "/e2e_image.png",
             kE2eBox[0], kE2eBox[1], "--out", out, "--no-cache", "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    QCOMPARE(QJsonDocument::fromJson(r.out).object().value("profile").toString(),
             QString("litemedsam"));
    const at::Tensor mask = readMask(out);
    QVERIFY(mask.defined());

    c10::InferenceMode guard;
    const LoadedModel m = loadModel((m_dir + "/weights.pth").toStdString());
    const at::Tensor image = imageToTensor(loadImage((m_dir + "/e2e_image.png").toStdString()));
    const PreprocessResult pre = preprocessImage(image, m.profile, 256);
    Prompts box;
    box.boxes.push_back({210, 150, 590, 470});
    const DecoderOutput d = m.model->decode(m.model->encode(pre.input),
                                            promptsToInputFrame(box, pre.geometry, m.profile));
    const at::Tensor ours = postprocessMasks(d.lowResLogits, pre.geometry, m.profile)[0][0] > 0;
    QCOMPARE(mask.sizes().vec(), ours.sizes().vec());
    // Not bit for bit: segment rounds every embedding to float16 (as the cache stores it,
    // docs/cli.md) and runs with its own thread settings (model/cpu_threading.h), and this
    // random decoder moves its logits by ~1e-4 for rounding alone (tst_litemedsam_parity),
    // flipping pixels near the threshold: 0.13 % here.
    const double differ = (mask != ours).to(at::kDouble).mean().item<double>();
    qInfo("CLI and library masks differ on %.5f%% of pixels", 100 * differ);
    QVERIFY2(differ <= 0.005, qPrintable(QString("differing fraction %1").arg(differ)));
}

void TestCliLiteMedSam::segmentMatchesUpstream() {
    // Image file to final mask, as CVPR24_LiteMedSAM_infer.py: within 0.1 % of the pixels.
    const QString out = m_tmp.path() + "/e2e_segmentation.png";
    const Run r = cli({"segment", "--model", m_fixtureWeights, "--image", m_dir + "/e2e_image.png",
                       kE2eBox[0], kE2eBox[1], "--out", out, "--no-cache"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const at::Tensor mask = readMask(out);
    const at::Tensor ref = readNpy((m_dir + "/e2e_mask_600x800.npy").toStdString()) > 0;
    QCOMPARE(mask.sizes().vec(), ref.sizes().vec());
    const double differ = (mask != ref).to(at::kDouble).mean().item<double>();
    qInfo("e2e mask through the CLI differs on %.5f%% of pixels", 100 * differ);
    QVERIFY2(differ <= 0.001, qPrintable(QString("differing fraction %1").arg(differ)));
}

void TestCliLiteMedSam::forwardMatchesUpstream() {
    const QString outDir = m_tmp.path() + "/forward";
    // cases.json "box", in the 256 input frame.
    const Run r =
        cli({"forward", "--model", m_fixtureWeights, "--input", m_dir + "/input.npy", "--box",
             "32.901845239038444,61.95176053180008,131.26632871025953,"
             "98.17469204716913",
             "--out-dir", outDir});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const double embErr = relativeError(readNpy((outDir + "/image_embedding.npy").toStdString()),
                                        readNpy((m_dir + "/image_embedding.npy").toStdString()));
    const double logitErr =
        relativeError(readNpy((outDir + "/low_res_logits.npy").toStdString()),
                      readNpy((m_dir + "/box_low_res_logits.npy").toStdString()));
    qInfo("forward: embedding %.3g, logits %.3g", embErr, logitErr);
    QVERIFY2(embErr <= 1e-4, qPrintable(QString::number(embErr)));
    // Not 1e-4: upstream itself on this machine is 1.24e-4 off (tst_litemedsam_parity); with the
    // CLI's thread settings ours was 3.2e-4 off (2.0e-4 in the test's own process).
    QVERIFY2(logitErr <= 5e-4, qPrintable(QString::number(logitErr)));
}

void TestCliLiteMedSam::finetuneTrainsTheDecoderOnly() {
    // Decoder-only PEFT from the released format: a two-step run on three ISIC training images.
    const QString isic = test::isicDir();
    if (isic.isEmpty())
        QSKIP("../shared/data/isic2018-512 is absent: LiteMedSAM fine-tuning skipped");
    const QString split = m_tmp.path() + "/finetune-split.txt";
    QFile f(split);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("ISIC_0000000 train\nISIC_0000001 train\nISIC_0000003 train\nISIC_0000006 val\n");
    f.close();
    const QString base = m_dir + "/weights.pth";
    const QString out = m_tmp.path() + "/tuned.safetensors";
    const Run r = cli({"finetune",
                       "--model",
                       base,
                       "--data",
                       isic,
                       "--split",
                       split,
                       "--out",
                       out,
                       "--epochs",
                       "1",
                       "--batch-size",
                       "2",
                       "--lr",
                       "1e-3",
                       "--device",
                       "cpu",
                       "--cache",
                       m_tmp.path() + "/finetune-cache",
                       "--json"});
    QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    const QJsonObject j = QJsonDocument::fromJson(r.out).object();
    QCOMPARE(j.value("train").toInt(), 3);
    QCOMPARE(j.value("val").toInt(), 1);
    QCOMPARE(j.value("epochs_done").toInt(), 1);
    QVERIFY2(j.value("steps").toInt() >= 1, r.out.constData());

    // The last checkpoint (the best one may be the untouched start): only mask_decoder.* moved,
    // everything it holds is the base's tensor otherwise.
    const QString last = j.value("last").toString();
    QVERIFY2(QFileInfo::exists(last), qPrintable(last));
    const TensorMap before = readCheckpoint(base.toStdString()).tensors;
    const TensorMap after = readCheckpoint(last.toStdString()).tensors;
    int changed = 0;
    for (const auto& [key, tensor] : after) {
        const auto it = before.find(key);
        QVERIFY2(it != before.end(), key.c_str());
        if (at::equal(tensor.to(at::kFloat), it->second.to(at::kFloat)))
            continue;
        QVERIFY2(key.rfind("mask_decoder.", 0) == 0, key.c_str());
        ++changed;
    }
    QVERIFY(changed > 0);

    // Both checkpoints load as LiteMedSAM (over the base when decoder-only) with its profile.
    for (const QString& file : {out, last}) {
        LoadOptions options;
        options.base = base.toStdString();
        const LoadedModel m = loadModel(file.toStdString(), options);
        QCOMPARE(m.model->architecture().name(), std::string("litemedsam"));
        QCOMPARE(profileName(m.profile), std::string("litemedsam"));
    }
}

QTEST_GUILESS_MAIN(TestCliLiteMedSam)
#include "tst_cli_litemedsam.moc"
