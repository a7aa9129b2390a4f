// Protects where Auto starts (core/auto_segment): the model's own start from its checkpoint
// metadata, an explicit choice over it, and the whole-frame search's box sequence.
// labels: unit
#include "core/auto_segment.h"

#include <ATen/ATen.h>

#include <QTest>

#include <vector>

using namespace dermsam;

Q_DECLARE_METATYPE(std::vector<dermsam::AutoStart>)

namespace {

// A stand-in decoder for a 100 x 80 image whose lesion is the rectangle x 30..59, y 20..49:
// every prompt gets that rectangle, and each call is recorded.
struct FakeDecoder {
    std::vector<Prompts> calls;
    MaskResult operator()(const Prompts& p) {
        calls.push_back(p);
        MaskResult r;
        const int64_t n = p.multimask ? 3 : 1;
        r.masks = at::zeros({n, 80, 100}, at::kByte);
        r.masks.slice(1, 20, 50).slice(2, 30, 60).fill_(1);
        r.lowResLogits = at::zeros({n, 64, 64});
        r.iou.assign(static_cast<size_t>(n), 0.9f);
        return r;
    }
};

} // namespace

class TestAutoSegment : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startsFromText_data();
    void startsFromText();
    void modelStarts_data();
    void modelStarts();
    void frameSearchStartsFromTheWholeImage();
    void frameSearchUsesItsOwnDecoder();
};

void TestAutoSegment::startsFromText_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<std::vector<AutoStart>>("starts");
    QTest::newRow("frame") << "frame" << true << std::vector<AutoStart>{AutoStart::Frame};
    QTest::newRow("point") << "point" << true << std::vector<AutoStart>{AutoStart::CentrePoint};
    QTest::newRow("both") << "frame,point" << true
                          << std::vector<AutoStart>{AutoStart::Frame, AutoStart::CentrePoint};
    QTest::newRow("empty") << "" << false << std::vector<AutoStart>{};
    QTest::newRow("trailing comma") << "frame," << false << std::vector<AutoStart>{};
    QTest::newRow("unknown") << "sideways" << false << std::vector<AutoStart>{};
}

void TestAutoSegment::startsFromText() {
    QFETCH(QString, text);
    QFETCH(bool, ok);
    QFETCH(std::vector<AutoStart>, starts);
    std::vector<AutoStart> parsed{AutoStart::CentrePoint, AutoStart::CentrePoint};
    const std::vector<AutoStart> before = parsed;
    QCOMPARE(autoStartsFromText(text.toStdString(), parsed), ok);
    QCOMPARE(parsed, ok ? starts : before); // a bad text leaves the list alone
    if (ok)
        QCOMPARE(QString::fromStdString(autoStartsText(parsed)), text);
}

void TestAutoSegment::modelStarts_data() {
    QTest::addColumn<std::vector<AutoStart>>("given");
    QTest::addColumn<QString>("metadata"); // "-": the checkpoint has no such key
    QTest::addColumn<std::vector<AutoStart>>("expected");
    const std::vector<AutoStart> none, frame{AutoStart::Frame}, point{AutoStart::CentrePoint};
    QTest::newRow("no key: centre click") << none << "-" << point;
    QTest::newRow("model trained for the frame") << none << "frame" << frame;
    QTest::newRow("unreadable key ignored") << none << "frame;point" << point;
    QTest::newRow("explicit choice wins") << point << "frame" << point;
}

void TestAutoSegment::modelStarts() {
    QFETCH(std::vector<AutoStart>, given);
    QFETCH(QString, metadata);
    QFETCH(std::vector<AutoStart>, expected);
    MetadataMap meta{{"profile", "compact"}};
    if (metadata != QLatin1String("-"))
        meta[kAutoStartMetadataKey] = metadata.toStdString();
    AutoOptions o;
    o.starts = given;
    QCOMPARE(withModelStarts(o, meta).starts, expected);
}

// The frame start decodes a box over the whole image, then the tight box of what came back,
// grown by `expand`; a box that no longer changes ends the search.
void TestAutoSegment::frameSearchStartsFromTheWholeImage() {
    FakeDecoder fake;
    AutoOptions o;
    o.starts = {AutoStart::Frame};
    o.iterations = 3;
    o.expand = 0.1;
    const AutoResult a =
        autoSegment([&](const Prompts& p) { return fake(p); }, 100, 80, withModelStarts(o, {}));
    QVERIFY(a.found);
    QCOMPARE(fake.calls.size(), size_t(2)); // the second tight box equals the first: converged
    const Prompts& first = fake.calls.front();
    QCOMPARE(first.boxes.size(), size_t(1));
    QVERIFY(first.points.empty());
    QCOMPARE(first.boxes[0].x0, 0.0f);
    QCOMPARE(first.boxes[0].y0, 0.0f);
    QCOMPARE(first.boxes[0].x1, 99.0f);
    QCOMPARE(first.boxes[0].y1, 79.0f);
    // Tight box 30..59 x 20..49 (30 px sides) grown by 3 px on every side.
    const BoxPrompt& b = fake.calls[1].boxes.at(0);
    QCOMPARE(b.x0, 27.0f);
    QCOMPARE(b.y0, 17.0f);
    QCOMPARE(b.x1, 62.0f);
    QCOMPARE(b.y1, 52.0f);
    QCOMPARE(a.decodes, 2);
    QCOMPARE(a.prompts.boxes.at(0).x0, 27.0f);
}

// A model's Auto decoder was trained for the whole-frame start alone: given one, the frame
// search makes all its decodes there, and the centre-click search keeps the mask decoder.
void TestAutoSegment::frameSearchUsesItsOwnDecoder() {
    FakeDecoder main, autoHead;
    AutoOptions o;
    o.starts = {AutoStart::Frame, AutoStart::CentrePoint};
    autoSegment([&](const Prompts& p) { return main(p); }, 100, 80, o,
                [&](const Prompts& p) { return autoHead(p); });
    QCOMPARE(autoHead.calls.size(), size_t(2)); // the frame, then its tight box
    QCOMPARE(autoHead.calls[0].boxes.at(0).x1, 99.0f);
    QVERIFY(autoHead.calls[0].points.empty());
    QCOMPARE(main.calls.size(), size_t(2)); // the centre click, then its tight box
    QCOMPARE(main.calls[0].points.size(), size_t(1));
    QVERIFY(main.calls[0].boxes.empty());
}

QTEST_GUILESS_MAIN(TestAutoSegment)
#include "tst_auto_segment.moc"
