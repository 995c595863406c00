"""The corpus of real exports (issue 15): tiny configurations, random weights, of the vision
transformers users deploy, built from their libraries' own modules (timm, transformers,
torchvision) exactly as a user's checkpoint would be, for models/torch/export.py (--model
corpus:NAME). Nothing is downloaded: timm gets pretrained=False, Hugging Face models are built
from config objects.

Each entry: NAME -> (library, builder). A builder returns (model, input shape, output names). The
same architecture from two libraries is one architecture with two cases (hf-vit and timm-vit). Every
Linear / Conv bias that init left at exactly zero gets small random values (zoo_torch's
randomize_zero_biases), as a trained checkpoint has: an exporter (dynamo's optimiser) or our
remove-noops would otherwise delete the add, and the export would plan as another network.

Written on a machine without torch: the first run on the GPU machine tells which builders need their
arguments adjusted for the installed library versions. export_corpus.sh records each failure (an
exporter that cannot export a case is reported, not hidden).
"""
import torch
from torch import nn

import zoo_torch

IMG = 32          # input side for the patch-16/8 families
CLASSES = 10


def _timm(name, shape=(1, 3, IMG, IMG), **kw):
    import timm
    return timm.create_model(name, pretrained=False, num_classes=CLASSES, **kw), shape, ["logits"]


class _Logits(nn.Module):
    """A Hugging Face model's output object as one tensor (or a tuple) for the exporters."""

    def __init__(self, model, fields):
        super().__init__()
        self.model = model
        self.fields = fields

    def forward(self, x):
        out = self.model(pixel_values=x)
        vals = tuple(getattr(out, f) for f in self.fields)
        return vals if len(vals) > 1 else vals[0]


def _hf(model_cls, config, fields=("logits",), shape=(1, 3, IMG, IMG)):
    return _Logits(model_cls(config), list(fields)), shape, list(fields)


# ---- timm -----------------------------------------------------------------------------------------
# Widths of 32 and one block where one block shows the architecture: the corpus (69 exports) has to stay
# within a few MiB of the working tree (it travels to the GPU machine with the build).
VIT_TINY = dict(img_size=IMG, patch_size=8, embed_dim=32, depth=1, num_heads=2)


def timm_vit():
    return _timm("vit_base_patch16_224", **VIT_TINY)


def timm_deit_distilled():
    return _timm("deit_base_distilled_patch16_224", **VIT_TINY)


def timm_deit3():
    return _timm("deit3_base_patch16_224", **VIT_TINY)   # layer scale


def timm_beit():
    return _timm("beit_base_patch16_224", **VIT_TINY)    # relative position bias


def timm_swin():
    return _timm("swin_tiny_patch4_window7_224", img_size=IMG, patch_size=4, embed_dim=16, depths=(2, 2),
                 num_heads=(1, 2), window_size=4)   # two blocks a stage: the second one's windows are shifted


def timm_swinv2():
    return _timm("swinv2_tiny_window8_256", img_size=IMG, patch_size=4, embed_dim=16, depths=(2, 2),
                 num_heads=(1, 2), window_size=4)


def timm_dinov2():
    # Layer scale; position embeddings interpolated from the 518 / 14 = 37 grid of its config.
    return _timm("vit_small_patch14_dinov2", img_size=28, patch_size=14, embed_dim=32, depth=1, num_heads=2,
                 shape=(1, 3, 28, 28))


def timm_eva02():
    # Rotary position embeddings, SwiGLU.
    return _timm("eva02_tiny_patch14_224", img_size=28, patch_size=14, embed_dim=32, depth=1, num_heads=2,
                 shape=(1, 3, 28, 28))


def timm_cait():
    return _timm("cait_xxs24_224", img_size=IMG, patch_size=8, embed_dim=32, depth=1, num_heads=2,
                 depth_token_only=1)   # class attention


def timm_levit():
    # LeViT-128S's stages narrowed (its own config is 7.8 M parameters: too large a CI fixture).
    return _timm("levit_128s", img_size=64, shape=(1, 3, 64, 64), embed_dim=(16, 24, 32), key_dim=8,
                 num_heads=(2, 3, 4), depth=(1, 1, 1))


def timm_convnext():
    return _timm("convnext_atto", depths=(1, 1, 1, 1), dims=(8, 16, 24, 32))   # channels-last LayerNorm


def timm_mobilevit():
    # MobileViT-XXS's own block list with every channel count and transformer width quartered (its
    # config is 1.3 M parameters, 5 MB an export): the same blocks, unfold / transformer / fold.
    import dataclasses
    from timm.models import byobnet, mobilevit

    def quarter(b):
        kw = dict(b.block_kwargs or {})
        if "transformer_dim" in kw:
            kw["transformer_dim"] = max(16, kw["transformer_dim"] // 4)
            kw["transformer_depth"] = 1
        return dataclasses.replace(b, c=max(8, b.c // 4), block_kwargs=kw)

    base = mobilevit.model_cfgs["mobilevit_xxs"]
    blocks = tuple(tuple(quarter(x) for x in b) if isinstance(b, tuple) else quarter(b) for b in base.blocks)
    cfg = dataclasses.replace(base, blocks=blocks, stem_chs=max(8, base.stem_chs // 2),
                              num_features=max(16, base.num_features // 4))
    model = byobnet.ByobNet(cfg, num_classes=CLASSES)
    return model, (1, 3, 64, 64), ["logits"]


# ---- Hugging Face transformers ------------------------------------------------------------------
HF_TINY = dict(image_size=IMG, patch_size=8, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=64, num_labels=CLASSES)


def hf_vit():
    from transformers import ViTConfig, ViTForImageClassification
    return _hf(ViTForImageClassification, ViTConfig(**HF_TINY))


def hf_deit():
    from transformers import DeiTConfig, DeiTForImageClassification
    return _hf(DeiTForImageClassification, DeiTConfig(**HF_TINY))


def hf_beit():
    from transformers import BeitConfig, BeitForImageClassification
    return _hf(BeitForImageClassification, BeitConfig(use_relative_position_bias=True, **HF_TINY))


def hf_swin():
    from transformers import SwinConfig, SwinForImageClassification
    cfg = SwinConfig(image_size=IMG, patch_size=4, embed_dim=16, depths=[2, 2], num_heads=[1, 2], window_size=4,
                     num_labels=CLASSES)
    return _hf(SwinForImageClassification, cfg)


def hf_dinov2():
    from transformers import Dinov2Config, Dinov2ForImageClassification
    cfg = Dinov2Config(image_size=28, patch_size=14, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                       num_labels=CLASSES)
    return _hf(Dinov2ForImageClassification, cfg, shape=(1, 3, 28, 28))


def hf_clip_vision():
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection
    cfg = CLIPVisionConfig(image_size=IMG, patch_size=8, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=64, projection_dim=16)
    return _hf(CLIPVisionModelWithProjection, cfg, fields=("image_embeds",))


def hf_segformer():
    from transformers import SegformerConfig, SegformerForSemanticSegmentation
    cfg = SegformerConfig(num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1], hidden_sizes=[8, 16],
                          patch_sizes=[7, 3], strides=[4, 2], num_attention_heads=[1, 2], mlp_ratios=[2, 2],
                          decoder_hidden_size=16, num_labels=CLASSES)
    return _hf(SegformerForSemanticSegmentation, cfg, shape=(1, 3, 64, 64))


def hf_yolos():
    # Position embeddings interpolated to the input (bicubic Resize in the export).
    from transformers import YolosConfig, YolosForObjectDetection
    cfg = YolosConfig(image_size=[IMG, IMG], patch_size=8, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=64, num_detection_tokens=10, num_labels=CLASSES)
    return _hf(YolosForObjectDetection, cfg, fields=("logits", "pred_boxes"), shape=(1, 3, 48, 40))


def hf_conditional_detr():
    # A tiny ResNet backbone (the config's default is ResNet-50: ~90 MB of weights for a CI fixture).
    from transformers import ConditionalDetrConfig, ConditionalDetrForObjectDetection, ResNetConfig
    backbone = ResNetConfig(num_channels=3, embedding_size=8, hidden_sizes=[8, 16, 32, 64], depths=[1, 1, 1, 1],
                            layer_type="bottleneck", out_features=["stage4"])
    cfg = ConditionalDetrConfig(use_timm_backbone=False, use_pretrained_backbone=False, backbone=None,
                                backbone_config=backbone,
                                d_model=16, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                                decoder_attention_heads=2, encoder_ffn_dim=32, decoder_ffn_dim=32, num_queries=10,
                                num_labels=CLASSES)
    return _hf(ConditionalDetrForObjectDetection, cfg, fields=("logits", "pred_boxes"), shape=(1, 3, 64, 64))


# ---- torchvision ----------------------------------------------------------------------------------
def tv_vit_b_16():
    from torchvision.models.vision_transformer import VisionTransformer
    # Its encoder calls nn.MultiheadAttention, whose inference fast path (_native_multi_head_attention)
    # the TorchScript exporter cannot export: a user turns the fast path off to export it, so does this.
    torch.backends.mha.set_fastpath_enabled(False)
    m = VisionTransformer(image_size=IMG, patch_size=8, num_layers=1, num_heads=2, hidden_dim=32, mlp_dim=64,
                          num_classes=CLASSES)
    return m, (1, 3, IMG, IMG), ["logits"]


def tv_swin_t():
    from torchvision.models.swin_transformer import SwinTransformer
    m = SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[1, 2], window_size=[4, 4],
                        num_classes=CLASSES)
    return m, (1, 3, IMG, IMG), ["logits"]


# Architecture -> cases. 16 architectures; DETR (zoo_torch's detr-resnet50-e6 and -hf) is the 17th,
# exported by export_fixtures.sh already.
CORPUS = {
    "timm-vit": timm_vit, "hf-vit": hf_vit, "tv-vit-b-16": tv_vit_b_16,
    "timm-deit-distilled": timm_deit_distilled, "hf-deit": hf_deit,
    "timm-deit3": timm_deit3,
    "timm-beit": timm_beit, "hf-beit": hf_beit,
    "timm-swin": timm_swin, "hf-swin": hf_swin, "tv-swin-t": tv_swin_t,
    "timm-swinv2": timm_swinv2,
    "timm-dinov2": timm_dinov2, "hf-dinov2": hf_dinov2,
    "timm-eva02": timm_eva02,
    "timm-cait": timm_cait,
    "timm-levit": timm_levit,
    "timm-convnext": timm_convnext,
    "timm-mobilevit": timm_mobilevit,
    "hf-clip-vision": hf_clip_vision,
    "hf-segformer": hf_segformer,
    "hf-yolos": hf_yolos,
    "hf-conditional-detr": hf_conditional_detr,
}


def build(name, seed=0):
    """(model in eval mode, input shape, output names) of corpus case NAME, norms and zero biases randomised."""
    if name not in CORPUS:
        raise KeyError(f"unknown corpus case {name!r}; known: {', '.join(sorted(CORPUS))}")
    torch.manual_seed(seed)
    model, shape, outputs = CORPUS[name]()
    zoo_torch.randomize_norms(model, seed)
    zoo_torch.randomize_zero_biases(model, seed)
    return model.eval(), shape, outputs
