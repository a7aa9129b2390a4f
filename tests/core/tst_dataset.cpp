// Protects dataset folder detection (ISIC, PH2, generic, MedSAM npy), problem reporting, splits
// and the image/mask pairs fine-tuning reads from them.
// labels: unit
#include "core/core_error.h"
#include "core/dataset.h"
#include "core/dataset_split.h"
#include "core/image_io.h"
#include "core/mask_io.h"
#include "core/training_pairs.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <set>

using namespace dermsam;

Q_DECLARE_METATYPE(DatasetLayout)

namespace {

void writeBytes(const QString& path, const QByteArray& bytes) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile f(path);
    if (f.open(QIODevice::WriteOnly))
        f.write(bytes);
}

void writeNpy(const QString& path, const cv::Mat& m) {
    const std::string shape = m.channels() == 1
                                  ? std::to_string(m.rows) + ", " + std::to_string(m.cols)
                                  : std::to_string(m.rows) + ", " + std::to_string(m.cols) + ", " +
                                        std::to_string(m.channels());
    std::string header = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + shape + "), }";
    while ((10 + header.size() + 1) % 64 != 0)
        header += ' ';
    header += '\n';
    std::string file = "\x93NUMPY";
    file += '\x01';
    file += '\x00';
    file += static_cast<char>(header.size() & 0xff);
    file += static_cast<char>(header.size() >> 8);
    file += header;
    file.append(reinterpret_cast<const char*>(m.data), m.total() * m.elemSize());
    writeBytes(path, QByteArray::fromStdString(file));
}

void writeMat(const QString& path, const cv::Mat& m) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    if (path.endsWith(".npy"))
        writeNpy(path, m);
    else
        QVERIFY(cv::imwrite(path.toStdString(), m));
}

cv::Mat image(int w = 16, int h = 12) {
    return cv::Mat(h, w, CV_8UC3, cv::Scalar(40, 90, 160));
}

cv::Mat mask(int w = 16, int h = 12, bool empty = false) {
    cv::Mat m = cv::Mat::zeros(h, w, CV_8UC1);
    if (!empty)
        m(cv::Rect(4, 3, 6, 5)).setTo(255);
    return m;
}

// Where a layout keeps the image and mask of case `id`.
struct LayoutPaths {
    QString image;
    QString mask;
};

LayoutPaths pathsFor(DatasetLayout layout, const QString& variant, const QString& root,
                     const QString& id) {
    switch (layout) {
    case DatasetLayout::Isic:
        if (variant == "side by side")
            return {root + "/" + id + ".jpg", root + "/" + id + "_segmentation.png"};
        if (variant == "upper-case names") // as cameras and Windows tools write them
            return {root + "/" + id + ".JPG", root + "/" + id + "_Segmentation.PNG"};
        if (variant == "official names")
            return {root + "/ISIC2018_Task1-2_Training_Input/" + id + ".jpg",
                    root + "/ISIC2018_Task1_Training_GroundTruth/" + id + "_segmentation.png"};
        return {root + "/images/" + id + ".jpg", root + "/masks/" + id + "_segmentation.png"};
    case DatasetLayout::Ph2: {
        const QString base = variant == "nested" ? root + "/PH2 Dataset images" : root;
        return {base + "/" + id + "/" + id + "_Dermoscopic_Image/" + id + ".bmp",
                base + "/" + id + "/" + id + "_lesion/" + id + "_lesion.bmp"};
    }
    case DatasetLayout::Generic:
        return {root + "/images/" + id + ".png", root + "/masks/" + id + ".png"};
    case DatasetLayout::MedSamNpy:
        return {root + "/imgs/" + id + ".npy", root + "/gts/" + id + ".npy"};
    case DatasetLayout::Auto:
        break;
    }
    return {};
}

// Three good cases plus one of each problem: c_missing has no mask, c_size's mask is smaller,
// c_unreadable's image is garbage, c_empty's mask has no lesion.
void buildDataset(DatasetLayout layout, const QString& variant, const QString& root) {
    for (const QString id : {"a_good", "b_good", "c_good"}) {
        const LayoutPaths p = pathsFor(layout, variant, root, id);
        writeMat(p.image, image());
        writeMat(p.mask, mask());
    }
    LayoutPaths p = pathsFor(layout, variant, root, "d_missing");
    writeMat(p.image, image());
    if (layout == DatasetLayout::Ph2)
        QDir().mkpath(QFileInfo(p.mask).absolutePath()); // the lesion folder, but empty
    p = pathsFor(layout, variant, root, "e_size");
    writeMat(p.image, image());
    writeMat(p.mask, mask(10, 8));
    p = pathsFor(layout, variant, root, "f_unreadable");
    writeBytes(p.image, QByteArray("this is not an image at all, just some text bytes"));
    writeMat(p.mask, mask());
    p = pathsFor(layout, variant, root, "g_empty");
    writeMat(p.image, image());
    writeMat(p.mask, mask(16, 12, true));
}

QStringList idsOf(const std::vector<DatasetItem>& items) {
    QStringList ids;
    for (const DatasetItem& item : items)
        ids << QString::fromStdString(item.id);
    return ids;
}

QString problemsOf(const Dataset& d) {
    QStringList out;
    for (const DatasetProblem& p : d.problems)
        out << QString::fromStdString(p.id) + ":" + problemKindName(p.kind);
    return out.join(' ');
}

QString sharedIsicDir() {
    const QString shared = qEnvironmentVariable("DERMSAM_SHARED_DIR");
    const QString dir = shared + "/data/isic2018-512";
    return !shared.isEmpty() && QDir(dir).exists() ? dir : QString();
}

} // namespace

class TstDataset : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void layouts_data();
    void layouts();
    void orphanMaskIsReported();
    void folderErrors();
    void layoutNames();
    void splitFileParsing();
    void splitFileErrors_data();
    void splitFileErrors();
    void applySplit();
    void randomSplitIsSeeded();
    void splitFileRoundTrip();
    void realIsic2018();
};

void TstDataset::layouts_data() {
    QTest::addColumn<DatasetLayout>("layout");
    QTest::addColumn<QString>("variant");
    QTest::newRow("isic side by side") << DatasetLayout::Isic << "side by side";
    QTest::newRow("isic images/masks") << DatasetLayout::Isic << "subfolders";
    QTest::newRow("isic upper-case names") << DatasetLayout::Isic << "upper-case names";
    QTest::newRow("isic official folder names") << DatasetLayout::Isic << "official names";
    QTest::newRow("ph2") << DatasetLayout::Ph2 << "";
    QTest::newRow("ph2 in 'PH2 Dataset images'") << DatasetLayout::Ph2 << "nested";
    QTest::newRow("generic") << DatasetLayout::Generic << "";
    QTest::newRow("medsam npy") << DatasetLayout::MedSamNpy << "";
}

void TstDataset::layouts() {
    QFETCH(DatasetLayout, layout);
    QFETCH(QString, variant);
    QTemporaryDir dir;
    buildDataset(layout, variant, dir.path());
    const std::string root = dir.path().toStdString();

    QCOMPARE(detectDatasetLayout(root), layout);

    // Without validation only the missing mask is found; every other pair is listed.
    const Dataset quick = scanDataset(root);
    QCOMPARE(quick.layout, layout);
    QCOMPARE(idsOf(quick.items),
             (QStringList{"a_good", "b_good", "c_good", "e_size", "f_unreadable", "g_empty"}));
    QCOMPARE(problemsOf(quick), QString("d_missing:missing-mask"));
    const LayoutPaths a = pathsFor(layout, variant, dir.path(), "a_good");
    QCOMPARE(QFileInfo(QString::fromStdString(quick.items[0].imagePath)).canonicalFilePath(),
             QFileInfo(a.image).canonicalFilePath());
    QCOMPARE(QFileInfo(QString::fromStdString(quick.items[0].maskPath)).canonicalFilePath(),
             QFileInfo(a.mask).canonicalFilePath());
    QVERIFY(QFileInfo(QString::fromStdString(quick.root)).isAbsolute());
    QVERIFY(quick.find("b_good") != nullptr);
    QVERIFY(quick.find("d_missing") == nullptr);

    // Validation opens every pair and leaves the bad ones out, saying why.
    const Dataset full = scanDataset(root, layout, true);
    QCOMPARE(idsOf(full.items), (QStringList{"a_good", "b_good", "c_good"}));
    QCOMPARE(problemsOf(full), QString("d_missing:missing-mask e_size:size-mismatch "
                                       "f_unreadable:unreadable g_empty:empty-mask"));
    const auto unreadable =
        std::find_if(full.problems.begin(), full.problems.end(),
                     [](const DatasetProblem& p) { return p.kind == ProblemKind::Unreadable; });
    QCOMPARE(QFileInfo(QString::fromStdString(unreadable->path)).fileName(),
             QFileInfo(pathsFor(layout, variant, dir.path(), "f_unreadable").image).fileName());

    // The pairs fine-tuning reads: the image as the model takes it, the mask's lesion exactly.
    const PairSource pairs = trainingPairs(full.items);
    QCOMPARE(pairs.count, size_t{3});
    const ImageMaskPair b = pairs.load(1);
    QCOMPARE(QString::fromStdString(b.id), QStringLiteral("b_good"));
    QCOMPARE(b.image.sizes().vec(), (std::vector<int64_t>{12, 16, 3}));
    QCOMPARE(b.mask.sizes().vec(), (std::vector<int64_t>{12, 16}));
    QCOMPARE(b.mask.ne(0).sum().item<int64_t>(), int64_t{30});
    QCOMPARE(b.mask.slice(0, 3, 8).slice(1, 4, 10).ne(0).all().item<bool>(), true);

    // Asking for another layout than the folder has is an error, not an empty dataset.
    const DatasetLayout other =
        layout == DatasetLayout::MedSamNpy ? DatasetLayout::Ph2 : DatasetLayout::MedSamNpy;
    try {
        scanDataset(root, other);
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::UnknownLayout);
    }
}

void TstDataset::orphanMaskIsReported() {
    QTemporaryDir dir;
    writeMat(dir.filePath("images/x1.jpg"), image());
    writeMat(dir.filePath("masks/x1_segmentation.png"), mask());
    writeMat(dir.filePath("masks/x2_segmentation.png"), mask());
    writeBytes(dir.filePath("images/README.txt"), "not an image");
    writeMat(dir.filePath("images/.hidden.jpg"), image());
    const Dataset d = scanDataset(dir.path().toStdString());
    QCOMPARE(idsOf(d.items), QStringList{"x1"});
    QCOMPARE(problemsOf(d), QString("x2:missing-image"));
}

void TstDataset::folderErrors() {
    QTemporaryDir dir;
    auto codeOf = [](const std::function<void()>& f) {
        try {
            f();
        } catch (const CoreError& e) {
            return int(e.code());
        }
        return -1;
    };
    const std::string missing = dir.filePath("absent").toStdString();
    QCOMPARE(codeOf([&] { scanDataset(missing); }), int(CoreErrorCode::FileNotFound));
    writeBytes(dir.filePath("file.txt"), "x");
    QCOMPARE(codeOf([&] { scanDataset(dir.filePath("file.txt").toStdString()); }),
             int(CoreErrorCode::NotADirectory));
    QDir(dir.path()).mkdir("empty");
    QCOMPARE(codeOf([&] { scanDataset(dir.filePath("empty").toStdString()); }),
             int(CoreErrorCode::UnknownLayout));
}

void TstDataset::layoutNames() {
    for (DatasetLayout l : {DatasetLayout::Auto, DatasetLayout::Isic, DatasetLayout::Ph2,
                            DatasetLayout::Generic, DatasetLayout::MedSamNpy})
        QCOMPARE(datasetLayoutFromName(datasetLayoutName(l)), l);
    QCOMPARE(datasetLayoutFromName("ISIC"), DatasetLayout::Isic);
    QVERIFY_THROWS_EXCEPTION(CoreError, datasetLayoutFromName("coco"));
}

void TstDataset::splitFileParsing() {
    const std::string text = "# split of the toy set\r\n"
                             "id split\r\n"
                             "\n"
                             "a train\n"
                             "b\tval   # trailing comment\n"
                             "c,test\n"
                             "   \n"
                             "d Validation\n"
                             "a train\n" // repeated with the same split: tolerated
                             "e TRAINING\n";
    const SplitFile f = parseSplitFile(text, "toy.txt");
    QCOMPARE(f.entries.size(), size_t(5));
    QCOMPARE(QString::fromStdString(f.entries[0].id), QString("a"));
    QCOMPARE(f.entries[0].split, SplitName::Train);
    QCOMPARE(f.entries[0].line, 4);
    QCOMPARE(f.entries[1].split, SplitName::Val);
    QCOMPARE(f.entries[2].split, SplitName::Test);
    QCOMPARE(f.entries[3].split, SplitName::Val);
    QCOMPARE(f.entries[4].split, SplitName::Train);
}

void TstDataset::splitFileErrors_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("line");
    QTest::newRow("unknown split") << "a train\nb holdout\n"
                                   << "line 2:";
    QTest::newRow("id in two splits") << "a train\nb val\na test\n"
                                      << "line 3:";
    QTest::newRow("missing split") << "# c\na\n"
                                   << "line 2:";
    QTest::newRow("too many fields") << "a train extra\n"
                                     << "line 1:";
}

void TstDataset::splitFileErrors() {
    QFETCH(QString, text);
    QFETCH(QString, line);
    try {
        parseSplitFile(text.toStdString(), "s.txt");
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::BadSplitFile);
        QCOMPARE(e.path(), std::string("s.txt"));
        QVERIFY2(QString::fromStdString(e.detail()).startsWith(line), e.what());
    }
    try {
        loadSplitFile("/nonexistent/splits.txt");
        QFAIL("no exception");
    } catch (const CoreError& e) {
        QCOMPARE(e.code(), CoreErrorCode::FileNotFound);
    }
}

void TstDataset::applySplit() {
    Dataset d;
    for (const char* id : {"a", "b", "c", "d"})
        d.items.push_back({id, std::string(id) + ".jpg", std::string(id) + "_segmentation.png"});
    const SplitFile f =
        parseSplitFile("a train\nimages/b.jpg val\nc test\nzzz test\nyyy train\n", "s.txt");
    const DatasetSplit s = applySplitFile(d, f);
    QCOMPARE(idsOf(s.train), QStringList{"a"});
    QCOMPARE(idsOf(s.val), QStringList{"b"}); // matched by stem
    QCOMPARE(idsOf(s.test), QStringList{"c"});
    QCOMPARE(s.unknownIds, (std::vector<std::string>{"zzz", "yyy"}));
    QCOMPARE(s.unassignedIds, std::vector<std::string>{"d"});
    QCOMPARE(&s.items(SplitName::Val), &s.val);
}

void TstDataset::randomSplitIsSeeded() {
    Dataset d;
    for (int i = 0; i < 10; ++i)
        d.items.push_back({"id" + std::to_string(i), {}, {}});
    const DatasetSplit a = randomSplit(d, 0.7, 0.2, 0.1, 123);
    const DatasetSplit b = randomSplit(d, 7, 2, 1, 123); // ratios are normalised
    const DatasetSplit c = randomSplit(d, 0.7, 0.2, 0.1, 124);
    QCOMPARE(a.train.size(), size_t(7));
    QCOMPARE(a.val.size(), size_t(2));
    QCOMPARE(a.test.size(), size_t(1));
    QCOMPARE(idsOf(a.train), idsOf(b.train));
    QCOMPARE(idsOf(a.val), idsOf(b.val));
    QVERIFY(idsOf(a.train) != idsOf(c.train) || idsOf(a.val) != idsOf(c.val));
    std::set<QString> all;
    for (const QStringList& ids : {idsOf(a.train), idsOf(a.val), idsOf(a.test)})
        for (const QString& id : ids)
            QVERIFY(all.insert(id).second); // disjoint
    QCOMPARE(all.size(), size_t(10));
    QVERIFY_THROWS_EXCEPTION(CoreError, randomSplit(d, -1, 1, 1, 1));
    QVERIFY_THROWS_EXCEPTION(CoreError, randomSplit(d, 0, 0, 0, 1));
}

void TstDataset::splitFileRoundTrip() {
    QTemporaryDir dir;
    Dataset d;
    for (int i = 0; i < 20; ++i)
        d.items.push_back({"case" + std::to_string(100 + i), {}, {}});
    const DatasetSplit s = randomSplit(d, 0.6, 0.2, 0.2, 5);
    const std::string path = dir.filePath("split.txt").toStdString();
    saveSplitFile(path, s);
    const DatasetSplit back = applySplitFile(d, loadSplitFile(path));
    QCOMPARE(idsOf(back.train), idsOf(s.train));
    QCOMPARE(idsOf(back.val), idsOf(s.val));
    QCOMPARE(idsOf(back.test), idsOf(s.test));
    QVERIFY(back.unknownIds.empty() && back.unassignedIds.empty());
}

void TstDataset::realIsic2018() {
    const QString dir = sharedIsicDir();
    if (dir.isEmpty())
        QSKIP("DERMSAM_SHARED_DIR/data/isic2018-512 is absent: real-data check skipped");
    const Dataset d = scanDataset(dir.toStdString());
    QCOMPARE(d.layout, DatasetLayout::Isic);
    QCOMPARE(d.items.size(), size_t(2594));
    QVERIFY2(d.problems.empty(), qPrintable(problemsOf(d)));
    QCOMPARE(QFileInfo(QString::fromStdString(d.items[0].maskPath)).fileName(),
             QString::fromStdString(d.items[0].id) + "_segmentation.png");

    const SplitFile f = loadSplitFile((dir + "/splits.txt").toStdString());
    QCOMPARE(f.entries.size(), size_t(2594));
    const DatasetSplit s = applySplitFile(d, f);
    // README.md: train 1600, val 400, test 594.
    QCOMPARE(s.train.size(), size_t(1600));
    QCOMPARE(s.val.size(), size_t(400));
    QCOMPARE(s.test.size(), size_t(594));
    QVERIFY(s.unknownIds.empty());
    QVERIFY(s.unassignedIds.empty());

    // A few pairs decode to 512 x 512 with a non-empty 0/255 mask.
    for (size_t i = 0; i < d.items.size(); i += 500) {
        const Image img = loadImage(d.items[i].imagePath);
        const cv::Mat m = loadMask(d.items[i].maskPath);
        QCOMPARE(img.pixels.size(), cv::Size(512, 512));
        QCOMPARE(img.pixels.type(), CV_8UC3);
        QCOMPARE(m.size(), img.pixels.size());
        QVERIFY(cv::countNonZero(m) > 0);
    }
}

QTEST_GUILESS_MAIN(TstDataset)
#include "tst_dataset.moc"
