#pragma once
// The prompts of one parity fixture case (cases.json, 256 or 1024 input frame, x then y) as the
// tensors SamModel::decodeTensors takes: shared by the SAM and LiteMedSAM parity tests.

#include "model/sam_model.h"

#include <ATen/ATen.h>

#include <QJsonArray>
#include <QJsonObject>

namespace dermsam {

inline PromptTensors promptsFromFixtureCase(const QJsonObject& c) {
    PromptTensors p;
    if (c.contains(QStringLiteral("box"))) {
        const QJsonArray boxes = c.value(QStringLiteral("box")).toArray();
        p.boxes = at::empty({boxes.size(), 4});
        for (int i = 0; i < boxes.size(); ++i)
            for (int j = 0; j < 4; ++j)
                p.boxes[i][j] = boxes[i].toArray()[j].toDouble();
    }
    if (c.contains(QStringLiteral("points"))) {
        const QJsonArray pts = c.value(QStringLiteral("points")).toArray();
        const QJsonArray labels = c.value(QStringLiteral("labels")).toArray();
        const int n = pts.size(), k = pts[0].toArray().size();
        p.pointCoords = at::empty({n, k, 2});
        p.pointLabels = at::empty({n, k});
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < k; ++j) {
                p.pointCoords[i][j][0] = pts[i].toArray()[j].toArray()[0].toDouble();
                p.pointCoords[i][j][1] = pts[i].toArray()[j].toArray()[1].toDouble();
                p.pointLabels[i][j] = labels[i].toArray()[j].toDouble();
            }
    }
    return p;
}

} // namespace dermsam
