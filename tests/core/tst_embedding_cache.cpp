// Protects the embedding cache: keys, float16 round trip, corrupt entries ignored and rewritten.
// labels: unit
#include "core/evaluation.h"
#include "model/embedding_cache.h"
#include "model/predictor.h"
#include "model/sam_architecture.h"
#include "model/sam_model.h"
#include "model/serialization/npy.h"

#include <ATen/ATen.h>

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <map>

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
    void pruneKeepsRecentlyUsed_data();
    void pruneKeepsRecentlyUsed();
    void encodeCachedReadsEveryCacheWritesFirst();
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

void TestEmbeddingCache::pruneKeepsRecentlyUsed_data() {
    QTest::addColumn<int>("limitEntries");
    QTest::addColumn<QStringList>("kept"); // of entries a (oldest) .. d (newest), b used last
    QTest::newRow("room for all") << 4 << QStringList{"a", "b", "c", "d"};
    QTest::newRow("room for two") << 2 << QStringList{"b", "d"};
    QTest::newRow("room for one") << 1 << QStringList{"b"};
    QTest::newRow("none") << 0 << QStringList{};
}

// The viewer's cache is bounded: least recently used entries go first, a hit counts as a use,
// and files that are not entries are never touched.
void TestEmbeddingCache::pruneKeepsRecentlyUsed() {
    QFETCH(int, limitEntries);
    QFETCH(QStringList, kept);
    QTemporaryDir dir;
    const EmbeddingCache cache(dir.path().toStdString());
    const at::Tensor e = at::ones({1, 8, 4, 4});
    std::map<QString, std::string> keys;
    const QDateTime start = QDateTime::currentDateTime().addSecs(-100);
    int age = 0;
    for (const char* name : {"a", "b", "c", "d"}) {
        const std::string key = EmbeddingCache::key(name, "medsam", testImage(4, 4));
        keys[QString::fromLatin1(name)] = key;
        cache.store(key, e);
        // Distinct, increasing times, whatever the file system's resolution.
        QFile f(entryPath(dir.path(), key));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.setFileTime(start.addSecs(10 * age++), QFileDevice::FileModificationTime));
    }
    const qint64 entryBytes = QFileInfo(entryPath(dir.path(), keys["a"])).size();
    QVERIFY(entryBytes > 0);
    QCOMPARE(cache.sizeBytes(), uint64_t(4 * entryBytes));
    QVERIFY(cache.load(keys["b"], {1, 8, 4, 4}).defined()); // now the most recently used
    QFile other(dir.path() + "/notes.txt");
    QVERIFY(other.open(QIODevice::WriteOnly));
    other.write(QByteArray(10000, 'x'));
    other.close();

    const uint64_t removed = cache.prune(uint64_t(limitEntries * entryBytes));
    QCOMPARE(removed, uint64_t((4 - limitEntries) * entryBytes));
    QStringList present;
    for (const auto& [name, key] : keys) {
        if (QFile::exists(entryPath(dir.path(), key)))
            present << name;
    }
    QCOMPARE(present, kept);
    QVERIFY(QFile::exists(dir.path() + "/notes.txt"));
    QCOMPARE(cache.sizeBytes(), uint64_t(kept.size() * entryBytes));
}

void TestEmbeddingCache::encodeCachedReadsEveryCacheWritesFirst() {
    at::manual_seed(5);
    auto model = std::make_shared<SamModel>(SamArchitecture::compact());
    const Predictor predictor(model, PreprocessProfile::Compact);
    QTemporaryDir own, shared;
    const EmbeddingCache ownCache(own.path().toStdString()),
        sharedCache(shared.path().toStdString());
    const std::vector<const EmbeddingCache*> both{&ownCache, &sharedCache};
    const at::Tensor inShared = testImage(30, 40);
    const at::Tensor nowhere = testImage(30, 41);

    bool hit = true;
    const ImageEmbedding first = encodeCached(predictor, inShared, sharedCache, "m", &hit);
    QVERIFY(!hit);
    const ImageEmbedding fromShared = encodeCached(predictor, inShared, both, "m", &hit);
    QVERIFY(hit);
    QVERIFY(at::equal(fromShared.embedding, first.embedding));
    QCOMPARE(ownCache.sizeBytes(), uint64_t(0)); // a hit elsewhere is not copied

    encodeCached(predictor, nowhere, both, "m", &hit);
    QVERIFY(!hit);
    const std::string key = EmbeddingCache::key("m", "compact", nowhere);
    QVERIFY(QFile::exists(entryPath(own.path(), key)));
    QVERIFY(!QFile::exists(entryPath(shared.path(), key)));
    encodeCached(predictor, nowhere, both, "m", &hit);
    QVERIFY(hit);
}

QTEST_GUILESS_MAIN(TestEmbeddingCache)
#include "tst_embedding_cache.moc"
