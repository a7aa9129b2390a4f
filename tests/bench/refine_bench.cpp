// Refine (the viewer's R: the edited mask back to the model as a mask prompt) on real images:
// prints mean Dice against the expert mask of the box prediction, of the mask given as the
// prompt and of the refined mask, for three kinds of mask prompt.
//
// Usage: dermsam-refine-bench [--model default] [--data DIR] [--split val] [--limit N] [--ids A,B]
// (--ids: those images whatever their split, one line each)
#include "core/evaluation.h"
#include "core/image_io.h"
#include "core/image_tensor.h"
#include "core/mask_io.h"
#include "core/metrics.h"
#include "model/embedding_cache.h"
#include "model/model_loader.h"
#include "model/predictor.h"
#include "model/sam_model.h"

#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace dermsam;

namespace {

double dice(const cv::Mat& a, const cv::Mat& b) {
    const ConfusionCounts c = confusionCounts(a != 0, b != 0);
    return metricsFromCounts(c).dice;
}

// The prediction with the expert mask pasted inside a few discs: what a user's brush and
// eraser strokes along the wrong parts of the outline would give.
cv::Mat edited(const cv::Mat& prediction, const cv::Mat& truth, std::mt19937_64& rng) {
    cv::Mat wrong = (prediction != 0) != (truth != 0);
    std::vector<cv::Point> where;
    cv::findNonZero(wrong, where);
    cv::Mat out = prediction.clone();
    if (where.empty())
        return out;
    const int radius = std::max(4, prediction.cols / 24);
    for (int i = 0; i < 3; ++i) {
        const cv::Point p = where[std::uniform_int_distribution<size_t>(0, where.size() - 1)(rng)];
        cv::Mat disc = cv::Mat::zeros(out.size(), CV_8U);
        cv::circle(disc, p, radius, 255, cv::FILLED);
        truth.copyTo(out, disc);
    }
    return out;
}

struct Sums {
    double prompt = 0, refined = 0;
    double kept = 0; // the refined mask with the edited pixels (prompt != box answer) as edited
};

} // namespace

int main(int argc, char** argv) {
    std::string model = "default", data = "../shared/data/isic2018-512", split = "val";
    int limit = 100;
    std::string ids;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--model")
            model = v;
        else if (a == "--data")
            data = v;
        else if (a == "--split")
            split = v;
        else if (a == "--limit")
            limit = std::stoi(v);
        else if (a == "--ids")
            ids = "," + v + ",";
    }
    const LoadedModel m = loadModel(model);
    const Predictor predictor(m.model, m.profile);
    const EmbeddingCache cache(defaultEmbeddingCacheDir());
    std::ifstream splits(data + "/splits.txt");
    std::string line;
    std::mt19937_64 rng(2018);
    int n = 0;
    double boxDice = 0;
    Sums own, truthSums, edit;
    while (n < limit && std::getline(splits, line)) {
        std::istringstream ls(line);
        std::string id, s;
        ls >> id >> s;
        if (ids.empty() ? s != split : ids.find("," + id + ",") == std::string::npos)
            continue;
        const Image image = loadImage(data + "/images/" + id + ".jpg");
        const cv::Mat truth = loadMask(data + "/masks/" + id + "_segmentation.png");
        Prompts box;
        if (!promptFromMask(truth, EvalPrompt::Box, id, 0, image.width(), image.height(), box))
            continue;
        const ImageEmbedding e = encodeCached(predictor, imageToTensor(image), cache, m.sha256);
        const cv::Mat pred = tensorToMask(predictor.decode(e, box).masks[0]);
        boxDice += dice(pred, truth);
        const auto refine = [&](const cv::Mat& prompt, Sums& sums, const cv::Mat& answer) {
            const at::Tensor logits = maskPromptLogits(maskToTensor(prompt), e.geometry, e.profile,
                                                       predictor.maskInputSize());
            const cv::Mat out = tensorToMask(predictor.decode(e, box, logits).masks[0]);
            sums.prompt += dice(prompt, truth);
            sums.refined += dice(out, truth);
            cv::Mat kept = out.clone();
            prompt.copyTo(kept, prompt != answer);
            sums.kept += dice(kept, truth);
        };
        const Sums before = truthSums;
        refine(pred, own, pred);
        refine(truth, truthSums, pred);
        refine(edited(pred, truth, rng), edit, pred);
        if (!ids.empty())
            std::printf("%s: box %.4f, refined from the expert mask %.4f\n", id.c_str(),
                        dice(pred, truth), truthSums.refined - before.refined);
        ++n;
    }
    std::printf("%d %s images, model %s\n", n, split.c_str(), m.path.c_str());
    std::printf("box alone: Dice %.4f\n", boxDice / n);
    const auto row = [n](const char* name, const Sums& s) {
        std::printf("%-34s prompt %.4f -> refined %.4f (edits kept %.4f)\n", name, s.prompt / n,
                    s.refined / n, s.kept / n);
    };
    row("box + its own mask", own);
    row("box + mask with 3 strokes fixed", edit);
    row("box + the expert mask", truthSums);
    return 0;
}
