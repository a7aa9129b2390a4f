// Protects number-for-number parity of the SAM encoder, prompt encoder, decoder and SAM-style
// postprocessing with the upstream PyTorch implementation (fixtures/sam-parity-tiny).
// labels: parity
#include "model/preprocess.h"
#include "model/sam_model.h"
#include "model/serialization/checkpoint.h"
#include "model/serialization/npy.h"
#include "parity_prompts.h"
#include "test_support.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace dermsam;

namespace {

double relativeError(const at::Tensor& ours, const at::Tensor& ref) {
    const at::Tensor a = ours.to(at::kDouble), b = ref.to(at::kDouble);
    return (a - b).abs().max().item<double>() / b.abs().max().item<double>();
}

at::Tensor npy(const QString& dir, const QString& name) {
    return readNpy((dir + "/" + name).toStdString());
}

} // namespace

class TestSamParity : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void architectureFromShapes();
    void encoder();
    void decoder_data();
    void decoder();
    void postprocessedMasks_data();
    void postprocessedMasks();

private:
    QString m_dir;
    std::unique_ptr<SamModel> m_model;
    QJsonArray m_cases;
    std::map<QString, at::Tensor> m_ourLogits;
};

void TestSamParity::initTestCase() {
    DERMSAM_REQUIRE_FIXTURE(dir);
    m_dir = dir;
    m_model = SamModel::fromStateDict(readCheckpoint((dir + "/weights.pth").toStdString()).tensors);
    QFile f(dir + "/cases.json");
    QVERIFY(f.open(QIODevice::ReadOnly));
    m_cases = QJsonDocument::fromJson(f.readAll()).object().value("cases").toArray();
    QCOMPARE(m_cases.size(), 5);
}

void TestSamParity::architectureFromShapes() {
    // The fixture README's numbers: embed 96, depth 2, 3 heads, global block 1, window 14.
    const SamArchitecture& a = m_model->architecture();
    QCOMPARE(a.embedDim, 96);
    QCOMPARE(a.depth, 2);
    QCOMPARE(a.numHeads, 3);
    QCOMPARE(a.windowSize, 14);
    QCOMPARE(a.globalAttnIndexes, std::vector<int>{1});
    QCOMPARE(a.imgSize, 1024);
    QCOMPARE(a.outChans, 256);
}

void TestSamParity::encoder() {
    at::NoGradGuard noGrad;
    const at::Tensor input = npy(m_dir, "input.npy");
    const at::Tensor ref = npy(m_dir, "image_embedding.npy");
    const at::Tensor ours = m_model->encode(input);
    QCOMPARE(ours.sizes().vec(), ref.sizes().vec());
    const double err = relativeError(ours, ref);
    qInfo("encoder relative error %.3g", err);
    QVERIFY2(err <= 1e-4, qPrintable(QString("relative error %1").arg(err)));
}

void TestSamParity::decoder_data() {
    QTest::addColumn<int>("index");
    for (int i = 0; i < m_cases.size(); ++i)
        QTest::newRow(qPrintable(m_cases[i].toObject().value("name").toString())) << i;
}

void TestSamParity::decoder() {
    QFETCH(int, index);
    at::NoGradGuard noGrad;
    const QJsonObject c = m_cases[index].toObject();
    const QString name = c.value("name").toString();
    PromptTensors p = promptsFromFixtureCase(c);
    if (c.value("mask").toBool())
        p.maskInput = npy(m_dir, name + "_mask_input.npy");

    const at::Tensor embedding = npy(m_dir, "image_embedding.npy");
    const DecoderOutput out = m_model->decodeTensors(embedding, p, c.value("multimask").toBool());
    const at::Tensor refLogits = npy(m_dir, name + "_low_res_logits.npy");
    const at::Tensor refIou = npy(m_dir, name + "_iou_predictions.npy");
    QCOMPARE(out.lowResLogits.sizes().vec(), refLogits.sizes().vec());
    QCOMPARE(out.iouPredictions.sizes().vec(), refIou.sizes().vec());
    const double errLogits = relativeError(out.lowResLogits, refLogits);
    const double errIou = relativeError(out.iouPredictions, refIou);
    qInfo("%s: logits relative error %.3g, iou %.3g", qPrintable(name), errLogits, errIou);
    QVERIFY2(errLogits <= 1e-4, qPrintable(QString("logits error %1").arg(errLogits)));
    QVERIFY2(errIou <= 1e-4, qPrintable(QString("iou error %1").arg(errIou)));
    m_ourLogits[name] = out.lowResLogits;
}

void TestSamParity::postprocessedMasks_data() {
    QTest::addColumn<QString>("name");
    QTest::newRow("box") << QString("box");
    QTest::newRow("point") << QString("point");
}

void TestSamParity::postprocessedMasks() {
    QFETCH(QString, name);
    QVERIFY2(m_ourLogits.count(name), "decoder() must run first");
    // Fixture geometry: original 600 x 800, resized input 768 x 1024 inside the 1024 square.
    ImageGeometry g;
    g.originalHeight = 600;
    g.originalWidth = 800;
    g.inputHeight = 768;
    g.inputWidth = 1024;
    g.inputSize = 1024;
    const at::Tensor ours = binarize(
        postprocessLogits(m_ourLogits[name], g, PreprocessProfile::Sam), PreprocessProfile::Sam);
    const at::Tensor ref = npy(m_dir, name + "_masks_600x800.npy").to(at::kBool);
    QCOMPARE(ours.sizes().vec(), ref.sizes().vec());
    const double agree = (ours == ref).to(at::kDouble).mean().item<double>();
    qInfo("%s: postprocessed masks agree on %.5f%% of pixels", qPrintable(name), 100 * agree);
    QVERIFY2(agree >= 0.999, qPrintable(QString("agreement %1").arg(agree)));
}

QTEST_GUILESS_MAIN(TestSamParity)
#include "tst_sam_parity.moc"
