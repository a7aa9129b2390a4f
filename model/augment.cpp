#include "model/augment.h"

#include <ATen/ATen.h>

#include <cmath>

namespace dermsam {
namespace {

at::Tensor uniform(int64_t n, double lo, double hi, const at::TensorOptions& o, at::Generator& g) {
    return at::empty({n}, o).uniform_(lo, hi, g);
}

at::Tensor gaussianBlur(const at::Tensor& x, double sigma) {
    const int radius = static_cast<int>(std::ceil(2.5 * sigma));
    const auto o = x.options();
    at::Tensor k = at::arange(-radius, radius + 1, o);
    k = at::exp(-(k * k) / (2 * sigma * sigma));
    k = k / k.sum();
    const int64_t c = x.size(1);
    const at::Tensor kx = k.view({1, 1, 1, -1}).expand({c, 1, 1, k.size(0)}).contiguous();
    const at::Tensor ky = k.view({1, 1, -1, 1}).expand({c, 1, k.size(0), 1}).contiguous();
    at::Tensor y =
        at::conv2d(at::reflection_pad2d(x, {radius, radius, 0, 0}), kx, at::Tensor(),
                   at::IntArrayRef{1, 1}, at::IntArrayRef{0, 0}, at::IntArrayRef{1, 1}, c);
    return at::conv2d(at::reflection_pad2d(y, {0, 0, radius, radius}), ky, at::Tensor(),
                      at::IntArrayRef{1, 1}, at::IntArrayRef{0, 0}, at::IntArrayRef{1, 1}, c);
}

} // namespace

AugmentedBatch augmentBatch(const at::Tensor& imagesU8, const at::Tensor& masksU8, int size,
                            const AugmentOptions& opt, at::Generator& gen) {
    const int64_t b = imagesU8.size(0);
    at::Tensor images = imagesU8.to(at::kFloat) / 255.0;
    at::Tensor masks = masksU8.to(at::kFloat);
    const auto o = images.options();
    if (!opt.enabled) {
        images = at::upsample_bilinear2d(images, {size, size}, false);
        masks = (at::upsample_bilinear2d(masks, {size, size}, false) > 0.5).to(at::kFloat);
        return {images * 255.0, masks};
    }

    // Geometry: output pixel -> input pixel through one affine map per sample (rotation, zoom,
    // stretch, flip, shift), applied identically to image and mask.
    const at::Tensor angle = opt.rotate ? uniform(b, -M_PI, M_PI, o, gen) : at::zeros({b}, o);
    const at::Tensor scale =
        at::exp(uniform(b, std::log(opt.minScale), std::log(opt.maxScale), o, gen));
    const at::Tensor aspect =
        at::exp(uniform(b, -std::log(opt.maxAspect), std::log(opt.maxAspect), o, gen));
    const at::Tensor flip =
        at::where(uniform(b, 0, 1, o, gen) < 0.5, at::ones({b}, o), -at::ones({b}, o));
    const at::Tensor sx = flip / (scale * at::sqrt(aspect));
    const at::Tensor sy = at::sqrt(aspect) / scale;
    const at::Tensor cosA = at::cos(angle), sinA = at::sin(angle);
    const at::Tensor tx = uniform(b, -opt.maxShift, opt.maxShift, o, gen) * 2;
    const at::Tensor ty = uniform(b, -opt.maxShift, opt.maxShift, o, gen) * 2;
    const at::Tensor theta = at::stack(
        {at::stack({cosA * sx, -sinA * sy, tx}, 1), at::stack({sinA * sx, cosA * sy, ty}, 1)}, 1);
    const at::Tensor grid = at::affine_grid_generator(theta, {b, 3, size, size}, false);
    images = at::grid_sampler(images, grid, 0, 0, false);
    masks = (at::grid_sampler(masks, grid, 0, 0, false) > 0.5).to(at::kFloat);

    // Colour: brightness, contrast, saturation, white balance, gamma.
    auto per = [&](double spread) {
        return (1.0 + uniform(b, -spread, spread, o, gen)).view({b, 1, 1, 1});
    };
    images = images * per(opt.brightness);
    const at::Tensor mean = images.mean({1, 2, 3}, true);
    images = (images - mean) * per(opt.contrast) + mean;
    const at::Tensor grey = images.mean(1, true);
    images = (images - grey) * per(opt.saturation) + grey;
    images = images *
             (1.0 + at::empty({b, 3, 1, 1}, o).uniform_(-opt.channelGain, opt.channelGain, gen));
    images = images.clamp(0.0, 1.0).pow(per(opt.gamma));

    // Optics: blur and lower-resolution capture for a random subset.
    const double sigma = 0.6 + 1.2 * at::empty({1}, o).uniform_(0, 1, gen).item<double>();
    const at::Tensor blurMask = (uniform(b, 0, 1, o, gen) < opt.blurProbability).view({b, 1, 1, 1});
    images = at::where(blurMask, gaussianBlur(images, sigma), images);
    const int low = static_cast<int>(
        size * (0.35 + 0.4 * at::empty({1}, o).uniform_(0, 1, gen).item<double>()));
    const at::Tensor lowMask =
        (uniform(b, 0, 1, o, gen) < opt.lowResProbability).view({b, 1, 1, 1});
    const at::Tensor lowRes = at::upsample_bilinear2d(
        at::upsample_bilinear2d(images, {low, low}, false), {size, size}, false);
    images = at::where(lowMask, lowRes, images);
    images = images + at::empty_like(images).normal_(0, 1, gen) *
                          (opt.noise * at::rand({b, 1, 1, 1}, gen, o));
    return {images.clamp(0.0, 1.0) * 255.0, masks};
}

} // namespace dermsam
