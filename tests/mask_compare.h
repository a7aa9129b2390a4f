#pragma once
// Mask comparisons for the viewer's tests: masks are Grayscale8 pictures, > 127 = lesion.

#include <QImage>
#include <QString>

namespace dermsam::test {

inline QImage readGrey(const QString& path) {
    return QImage(path).convertToFormat(QImage::Format_Grayscale8);
}

inline qint64 countSet(const QImage& mask) {
    qint64 n = 0;
    for (int y = 0; y < mask.height(); ++y) {
        const uchar* row = mask.constScanLine(y);
        for (int x = 0; x < mask.width(); ++x)
            n += row[x] > 127;
    }
    return n;
}

inline double dice(const QImage& a, const QImage& b) {
    qint64 both = 0, na = 0, nb = 0;
    for (int y = 0; y < a.height(); ++y) {
        const uchar* ra = a.constScanLine(y);
        const uchar* rb = b.constScanLine(y);
        for (int x = 0; x < a.width(); ++x) {
            na += ra[x] > 127;
            nb += rb[x] > 127;
            both += ra[x] > 127 && rb[x] > 127;
        }
    }
    return na + nb == 0 ? 1.0 : 2.0 * double(both) / double(na + nb);
}

} // namespace dermsam::test
