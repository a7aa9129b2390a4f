#pragma once
// Mask comparisons for the viewer's tests: masks are Grayscale8 pictures, > 127 = lesion.

#include <QImage>
#include <QRectF>
#include <QString>

#include <algorithm>

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

// Pixels that are lesion in one mask and not in the other (same size).
inline qint64 differingPixels(const QImage& a, const QImage& b) {
    qint64 n = 0;
    for (int y = 0; y < a.height(); ++y) {
        const uchar* ra = a.constScanLine(y);
        const uchar* rb = b.constScanLine(y);
        for (int x = 0; x < a.width(); ++x)
            n += (ra[x] > 127) != (rb[x] > 127);
    }
    return n;
}

// The lesion's bounding box, inclusive of its last pixels.
inline QRectF lesionBox(const QImage& mask) {
    int x0 = mask.width(), y0 = mask.height(), x1 = -1, y1 = -1;
    for (int y = 0; y < mask.height(); ++y) {
        const uchar* row = mask.constScanLine(y);
        for (int x = 0; x < mask.width(); ++x)
            if (row[x] > 127) {
                x0 = std::min(x0, x);
                x1 = std::max(x1, x);
                y0 = std::min(y0, y);
                y1 = std::max(y1, y);
            }
    }
    return QRectF(QPointF(x0, y0), QPointF(x1 + 1, y1 + 1));
}

} // namespace dermsam::test
