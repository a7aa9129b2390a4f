#!/usr/bin/python3
"""Times upstream LiteMedSAM (bowang-lab/MedSAM, branch LiteMedSAM) on PyTorch: the image encoder
and one box decode (prompt encoder + mask decoder, single mask), built and loaded as
CVPR24_LiteMedSAM_infer.py builds and loads them. Prints one JSON line.

Needs PyTorch (Debian: apt-get install python3-torch, for /usr/bin/python3) and the upstream
code in --reference (tools/bench-litemedsam.sh says how to get it)."""
import argparse
import json
import statistics
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weights", required=True)
    p.add_argument("--reference", required=True, help="folder with tiny_vit_sam.py and segment_anything/")
    p.add_argument("--threads", type=int, default=0, help="0: all cores")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--save-embedding", help="write the encoder output for --input here (.npy)")
    p.add_argument("--input", help="(1, 3, 256, 256) float32 .npy to encode instead of random")
    p.add_argument("--flush-denormal", action="store_true",
                   help="torch.set_flush_denormal(True), as DermSAM's programs run")
    a = p.parse_args()
    sys.path.insert(0, a.reference)
    import numpy as np
    import torch
    from segment_anything.modeling import MaskDecoder, PromptEncoder, TwoWayTransformer
    from tiny_vit_sam import TinyViT

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.flush_denormal:
        torch.set_flush_denormal(True)
    # As CVPR24_LiteMedSAM_infer.py builds LiteMedSAM.
    encoder = TinyViT(img_size=256, in_chans=3, embed_dims=[64, 128, 160, 320], depths=[2, 2, 6, 2],
                      num_heads=[2, 4, 5, 10], window_sizes=[7, 7, 14, 7], mlp_ratio=4.0, drop_rate=0.0,
                      drop_path_rate=0.0, use_checkpoint=False, mbconv_expand_ratio=4.0,
                      local_conv_size=3, layer_lr_decay=0.8)
    prompt = PromptEncoder(embed_dim=256, image_embedding_size=(64, 64), input_image_size=(256, 256),
                           mask_in_chans=16)
    decoder = MaskDecoder(num_multimask_outputs=3,
                          transformer=TwoWayTransformer(depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8),
                          transformer_dim=256, iou_head_depth=3, iou_head_hidden_dim=256)
    model = torch.nn.Module()
    model.image_encoder, model.prompt_encoder, model.mask_decoder = encoder, prompt, decoder
    model.load_state_dict(torch.load(a.weights, map_location="cpu"))
    model.eval()  # after loading, so the attention biases' eval-mode copy holds the loaded ones

    torch.manual_seed(0)
    image = torch.from_numpy(np.load(a.input)) if a.input else torch.rand(1, 3, 256, 256)
    box = torch.tensor([[[76.8, 76.8, 179.2, 184.32]]])  # as dermsam-cli bench: 0.3..0.7 x 0.3..0.72

    def timed(fn, n):
        out = []
        for _ in range(n):
            t0 = time.perf_counter()
            fn()
            out.append(1000 * (time.perf_counter() - t0))
        return out

    with torch.no_grad():
        embedding = encoder(image)  # warm-up
        if a.save_embedding:
            np.save(a.save_embedding, embedding.numpy())
        enc = timed(lambda: encoder(image), a.repeats)

        def decode():
            sparse, dense = prompt(points=None, boxes=box, masks=None)
            decoder(image_embeddings=embedding, image_pe=prompt.get_dense_pe(),
                    sparse_prompt_embeddings=sparse, dense_prompt_embeddings=dense,
                    multimask_output=False)

        decode()
        dec = timed(decode, max(a.repeats, 20))

    def stats(v):
        return {"median": statistics.median(v), "min": min(v), "max": max(v)}

    print(json.dumps({"implementation": "upstream LiteMedSAM, PyTorch " + torch.__version__,
                      "threads": torch.get_num_threads(), "encode_ms": stats(enc),
                      "decode_ms": stats(dec)}))


if __name__ == "__main__":
    main()
