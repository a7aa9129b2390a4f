// Protects the embedding cache: keys, float16 round trip, corrupt entries ignored and rewritten.
// labels: unit
#include "core/evaluation.h"
#include "model/embedding_cache.h"
#include "model/npy.h"
#include "model/predictor.h"
#include "model/sam_architecture.h"
#include "model/sam_model.h"

#include <ATen/ATen.h>

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace dermsam;

namespace {

at::Tensor testImage(int h = 40, int w = 50) {
    at::manual_seed(11);
    return at::randint(0, 256, {h, w, 3}, at::kByte);
}

QString entryPath(const QString& dir, const std::string& key) {
    return dir + "/" + QString::fromStdString(key) + ".npy";
}

} // namespace

class TestEmbeddingCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keyDependsOnEverything_data();
    void keyDependsOnEverything();
    void roundTripFloat16();
    void missingAndDisabled();
    void corruptEntries_data();
    void corruptEntries();
    void encodeCachedRewritesCorruptEntry();
};

void TestEmbeddingCache::keyDependsOnEverything_data() {
    QTest::addColumn<QString>("change");
    QTest::newRow("model hash") << "hash";
    QTest::newRow("profile") << "profile";
    QTest::newRow("one pixel") << "pixel";
    QTest::newRow("shape") << "shape";
    QTest::newRow("dtype") << "dtype";
    QTest::newRow("model precision") << "precision";
}

void TestEmbeddingCache::keyDependsOnEverything() {
    QFETCH(QString, change);
    const at::Tensor image = testImage();
    const std::string base = EmbeddingCache::key("abc", "medsam", image);
    QCOMPARE(EmbeddingCache::key("abc", "medsam", image.clone()), base); // deterministic
    QCOMPARE(base.size(), size_t(64));                                   // hex SHA-256
    std::string other;
    if (change == "hash") {
        other = EmbeddingCache::key("abd", "medsam", image);
    } else if (change == "profile") {
        other = EmbeddingCache::key("abc", "sam", image);
    } else if (change == "pixel") {
        at::Tensor t = image.clone();
        t[3][4][1] = static_cast<uint8_t>((t[3][4][1].item<int>() + 1) % 256);
        other = EmbeddingCache::key("abc", "medsam", t);
    } else if (change == "shape") {
        other = EmbeddingCache::key("abc", "medsam", image.reshape({50, 40, 3}));
    } else if (change == "precision") {
        // float32 is the default, so caches written before precisions existed stay valid.
        QCOMPARE(EmbeddingCache::key("abc", "medsam", image, at::kFloat), base);
        other = EmbeddingCache::key("abc", "medsam", image, at::kBFloat16);
        QVERIFY(other != EmbeddingCache::key("abc", "medsam", image, at::kHalf));
    } else {
        other = EmbeddingCache::key("abc", "medsam", image.to(at::kInt));
    }
    QVERIFY(other != base);
    // A non-contiguous view hashes by its values, like a copy.
    const at::Tensor t = image.transpose(0, 1);
    QCOMPARE(EmbeddingCache::key("abc", "medsam", t),
             EmbeddingCache::key("abc", "medsam", t.contiguous()));
}

void TestEmbeddingCache::roundTripFloat16() {
    QTemporaryDir dir;
    const EmbeddingCache cache(dir.path().toStdString());
    QVERIFY(cache.enabled());
    at::manual_seed(3);
    const at::Tensor e = at::randn({1, 256, 8, 8}) * 10;
    cache.store("k1", e);
    QVERIFY(QFile::exists(entryPath(dir.path(), "k1")));
    const at::Tensor back = cache.load("k1", {1, 256, 8, 8});
    QVERIFY(back.defined());
    QCOMPARE(back.scalar_type(), at::kHalf);
    QVERIFY(at::equal(back, e.to(at::kHalf)));
    // The same entry asked for with another shape is not used.
    QVERIFY(!cache.load("k1", {1, 256, 16, 16}).defined());
}

void TestEmbeddingCache::missingAndDisabled() {
    QTemporaryDir dir;
    const EmbeddingCache cache(dir.path().toStdString());
    QVERIFY(!cache.load("absent", {1, 2}).defined());
    const EmbeddingCache off{std::string()};
    QVERIFY(!off.enabled());
    off.store("k", at::ones({1, 2}));
    QVERIFY(!off.load("k", {1, 2}).defined());
}

void TestEmbeddingCache::corruptEntries_data() {
    QTest::addColumn<QByteArray>("content");
    QTest::newRow("garbage") << QByteArray("this is not an npy file at all");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("truncated") << QByteArray("\x93NUMPY\x01\x00\x76\x00{'descr': '<f2', 'fo", 26);
}

void TestEmbeddingCache::corruptEntries() {
    QFETCH(QByteArray, content);
    QTemporaryDir dir;
    const EmbeddingCache cache(dir.path().toStdString());
    const at::Tensor e = at::full({1, 4, 2, 2}, 1.5);
    cache.store("k", e);
    QFile f(entryPath(dir.path(), "k"));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(content);
    f.close();
    QVERIFY(!cache.load("k", {1, 4, 2, 2}).defined()); // ignored, no throw
    cache.store("k", e);                               // rewritten
    const at::Tensor back = cache.load("k", {1, 4, 2, 2});
    QVERIFY(back.defined());
    QVERIFY(at::equal(back, e.to(at::kHalf)));

    // A float32 entry of the right shape (not what the cache writes) is not trusted either.
    writeNpy(entryPath(dir.path(), "f32").toStdString(), e);
    QVERIFY(!cache.load("f32", {1, 4, 2, 2}).defined());
}

void TestEmbeddingCache::encodeCachedRewritesCorruptEntry() {
    at::manual_seed(5);
    auto model = std::make_shared<SamModel>(SamArchitecture::compact());
    const Predictor predictor(model, PreprocessProfile::Compact);
    QTemporaryDir dir;
    const EmbeddingCache cache(dir.path().toStdString());
    const at::Tensor image = testImage(60, 70);

    bool hit = true;
    const ImageEmbedding fresh = encodeCached(predictor, image, cache, "model-1", &hit);
    QVERIFY(!hit);
    const std::string key = EmbeddingCache::key("model-1", "compact", image);
    QVERIFY(QFile::exists(entryPath(dir.path(), key)));
    const ImageEmbedding cached = encodeCached(predictor, image, cache, "model-1", &hit);
    QVERIFY(hit);
    // Identical whether cached or not (always rounded through float16), same geometry.
    QCOMPARE(cached.embedding.scalar_type(), at::kFloat);
    QVERIFY(at::equal(fresh.embedding, cached.embedding));
    QCOMPARE(cached.geometry.originalHeight, 60);
    QCOMPARE(cached.geometry.originalWidth, 70);
    QCOMPARE(cached.geometry.inputSize, fresh.geometry.inputSize);
    // ... and close to the unrounded encoder output.
    const ImageEmbedding direct = predictor.encode(image);
    QVERIFY(at::allclose(direct.embedding, cached.embedding, 1e-2, 1e-2));

    // Another model hash is another entry.
    encodeCached(predictor, image, cache, "model-2", &hit);
    QVERIFY(!hit);

    // A corrupt entry is recomputed and rewritten.
    QFile f(entryPath(dir.path(), key));
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write("broken");
    f.close();
    const ImageEmbedding again = encodeCached(predictor, image, cache, "model-1", &hit);
    QVERIFY(!hit);
    QVERIFY(at::equal(again.embedding, fresh.embedding));
    encodeCached(predictor, image, cache, "model-1", &hit);
    QVERIFY(hit);
}

QTEST_GUILESS_MAIN(TestEmbeddingCache)
#include "tst_embedding_cache.moc"
