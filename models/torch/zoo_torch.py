"""The nine paper models (and tiny versions) in PyTorch, for the GPU machine: the same definitions
as the C++ zoo (models/*.cpp) and BASELINES.md, built from timm, torchvision and transformers with
random weights. Nothing here downloads: timm gets pretrained=False, Hugging Face configs are built in
code, and the offline switches are set before those libraries are imported.

    build(name, tiny=False, impl="torchvision") -> (model in eval mode, input shape, output names)

Names: vit-base-16, vit-large-16, vit-huge-14, setr-naive-base, setr-naive, setr-pup,
detr-resnet50-e3, detr-resnet50-e6, detr-resnet50-e12. DETR comes in two implementations:
impl="torchvision" (hand-written as in facebookresearch/detr, on torchvision's ResNet-50) and
impl="hf" (transformers' DetrForObjectDetection with a random config); a name ending in "-hf" picks the
latter. The ViTs likewise: timm's VisionTransformer, or with "-hf" transformers' ViTForImageClassification
(its own LayerNorm epsilon, 1e-12).
"""
import math
import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

MODELS = ["vit-base-16", "vit-large-16", "vit-huge-14", "setr-naive-base", "setr-naive", "setr-pup",
          "detr-resnet50-e3", "detr-resnet50-e6", "detr-resnet50-e12"]


# --------------------------------------------------------------------------------------------- ViT

def _timm_vit(image, patch, embed, depth, heads, num_classes, **kw):
    from timm.models.vision_transformer import VisionTransformer
    return VisionTransformer(img_size=image, patch_size=patch, embed_dim=embed, depth=depth, num_heads=heads,
                             mlp_ratio=4.0, qkv_bias=True, num_classes=num_classes, **kw)


def _vit_config(name, tiny):
    # (image, patch, embed, depth, heads, classes), as in models/zoo.cpp.
    full = {"vit-base-16": (224, 16, 768, 12, 12, 1000), "vit-large-16": (224, 16, 1024, 24, 16, 1000),
            "vit-huge-14": (224, 14, 1280, 32, 16, 1000)}
    small = {"vit-base-16": (32, 8, 64, 2, 2, 10), "vit-large-16": (32, 8, 64, 2, 4, 10),
             "vit-huge-14": (28, 7, 80, 2, 2, 10)}
    return (small if tiny else full)[name]


class HfVit(nn.Module):
    """transformers' ViTForImageClassification at a zoo ViT's configuration (its own defaults otherwise:
    LayerNorm epsilon 1e-12, where timm's is 1e-6), returning the logits."""

    def __init__(self, image, patch, embed, depth, heads, classes):
        super().__init__()
        from transformers import ViTConfig, ViTForImageClassification
        cfg = ViTConfig(image_size=image, patch_size=patch, hidden_size=embed, num_hidden_layers=depth,
                        num_attention_heads=heads, intermediate_size=4 * embed, num_labels=classes, qkv_bias=True)
        self.model = ViTForImageClassification(cfg)

    def forward(self, x):
        return self.model(pixel_values=x).logits


def build_vit(name, tiny, impl="timm"):
    image, patch, embed, depth, heads, classes = _vit_config(name, tiny)
    if impl == "hf":
        return HfVit(image, patch, embed, depth, heads, classes), (1, 3, image, image), ["logits"]
    if not tiny:
        import timm
        timm_name = {"vit-base-16": "vit_base_patch16_224", "vit-large-16": "vit_large_patch16_224",
                     "vit-huge-14": "vit_huge_patch14_224"}[name]
        # num_classes explicit: timm's vit_huge_patch14_224 defaults to its in21k config without a head
        # (630.8M parameters, BASELINES.md's number); the zoo keeps the 1000-class head (632.0M).
        model = timm.create_model(timm_name, pretrained=False, num_classes=classes)
    else:
        model = _timm_vit(image, patch, embed, depth, heads, classes)
    return model, (1, 3, image, image), ["logits"]


# -------------------------------------------------------------------------------------------- SETR

class ConvBnRelu(nn.Sequential):
    def __init__(self, cin, cout, k):
        super().__init__(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True))


class NaiveHead(nn.Module):
    """1x1 conv, BN, ReLU, 1x1 conv to the classes, bilinear x`up`."""

    def __init__(self, cin, channels, classes, up):
        super().__init__()
        self.conv_0 = ConvBnRelu(cin, channels, 1)
        self.conv_seg = nn.Conv2d(channels, classes, 1)
        self.up = up

    def forward(self, x):
        x = self.conv_seg(self.conv_0(x))
        return F.interpolate(x, scale_factor=self.up, mode="bilinear", align_corners=False)


class PupHead(nn.Module):
    """4 x [3x3 conv, BN, ReLU, bilinear x2], then a 1x1 conv to the classes."""

    def __init__(self, cin, channels, classes):
        super().__init__()
        self.up = nn.ModuleList([ConvBnRelu(cin if i == 0 else channels, channels, 3) for i in range(4)])
        self.conv_seg = nn.Conv2d(channels, classes, 1)

    def forward(self, x):
        for stage in self.up:
            x = F.interpolate(stage(x), scale_factor=2, mode="bilinear", align_corners=False)
        return self.conv_seg(x)


class Setr(nn.Module):
    """timm ViT (class token kept in the encoder: 577 tokens at 384x384), tokens 1: as a grid, head."""

    def __init__(self, name, tiny):
        super().__init__()
        base = name == "setr-naive-base"
        if tiny:
            image, patch, embed, depth, heads, channels, classes = 64, 16, 64, 2, 2 if base else 4, 32, 5
        else:
            image, patch, channels, classes = 384, 16, 256, 150
            embed, depth, heads = (768, 12, 12) if base else (1024, 24, 16)
        self.grid = image // patch
        self.embed = embed
        self.backbone = _timm_vit(image, patch, embed, depth, heads, 0, global_pool="")
        if name == "setr-pup":
            self.decode_head = PupHead(embed, channels, classes)
        else:
            self.decode_head = NaiveHead(embed, channels, classes, patch)
        self.input_shape = (1, 3, image, image)

    def forward(self, x):
        t = self.backbone.forward_features(x)[:, 1:]
        t = t.transpose(1, 2).reshape(x.shape[0], self.embed, self.grid, self.grid)
        return self.decode_head(t)


def build_setr(name, tiny):
    model = Setr(name, tiny)
    return model, model.input_shape, ["logits"]


# ------------------------------------------------------------------------- DETR (torchvision-style)

class PositionEmbeddingSine(nn.Module):
    """DETR's sine embedding over the padding mask (normalize=True, scale 2*pi)."""

    def __init__(self, num_pos_feats, temperature=10000):
        super().__init__()
        self.num_pos_feats = num_pos_feats
        self.temperature = temperature
        self.scale = 2 * math.pi

    def forward(self, mask):
        not_mask = ~mask
        y_embed = not_mask.cumsum(1, dtype=torch.float32)
        x_embed = not_mask.cumsum(2, dtype=torch.float32)
        eps = 1e-6
        y_embed = y_embed / (y_embed[:, -1:, :] + eps) * self.scale
        x_embed = x_embed / (x_embed[:, :, -1:] + eps) * self.scale
        dim_t = torch.arange(self.num_pos_feats, dtype=torch.float32, device=mask.device)
        dim_t = self.temperature ** (2 * (dim_t // 2) / self.num_pos_feats)
        pos_x = x_embed[:, :, :, None] / dim_t
        pos_y = y_embed[:, :, :, None] / dim_t
        pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
        pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, dropout=0.0)
        self.linear1, self.linear2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, src, pos):
        q = k = src + pos
        src = self.norm1(src + self.self_attn(q, k, value=src)[0])
        return self.norm2(src + self.linear2(F.relu(self.linear1(src))))


class DecoderLayer(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, heads, dropout=0.0)
        self.multihead_attn = nn.MultiheadAttention(d, heads, dropout=0.0)
        self.linear1, self.linear2 = nn.Linear(d, ffn), nn.Linear(ffn, d)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)

    def forward(self, tgt, memory, pos, query_pos):
        q = k = tgt + query_pos
        tgt = self.norm1(tgt + self.self_attn(q, k, value=tgt)[0])
        tgt2 = self.multihead_attn(query=tgt + query_pos, key=memory + pos, value=memory)[0]
        tgt = self.norm2(tgt + tgt2)
        return self.norm3(tgt + self.linear2(F.relu(self.linear1(tgt))))


class Transformer(nn.Module):
    """DETR's post-norm transformer (normalize_before=False): no encoder norm, a decoder norm."""

    def __init__(self, d, heads, ffn, enc, dec):
        super().__init__()
        self.encoder = nn.Module()
        self.encoder.layers = nn.ModuleList([EncoderLayer(d, heads, ffn) for _ in range(enc)])
        self.decoder = nn.Module()
        self.decoder.layers = nn.ModuleList([DecoderLayer(d, heads, ffn) for _ in range(dec)])
        self.decoder.norm = nn.LayerNorm(d)

    def forward(self, src, pos, query_embed):
        b, c, h, w = src.shape
        src = src.flatten(2).permute(2, 0, 1)
        pos = pos.flatten(2).permute(2, 0, 1)
        query_pos = query_embed.unsqueeze(1).repeat(1, b, 1)
        tgt = torch.zeros_like(query_pos)
        memory = src
        for layer in self.encoder.layers:
            memory = layer(memory, pos)
        hs = tgt
        for layer in self.decoder.layers:
            hs = layer(hs, memory, pos, query_pos)
        return self.decoder.norm(hs).transpose(0, 1)   # [B, queries, d]


class MLP(nn.Module):
    def __init__(self, din, hidden, dout, n):
        super().__init__()
        dims = [din] + [hidden] * (n - 1)
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:] + [dout]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = F.relu(layer(x)) if i < len(self.layers) - 1 else layer(x)
        return x


def _tiny_resnet_body():
    """ResNet-50's structure at widths 4/8/16/32 (outputs 16..128), one bottleneck per stage."""
    from torchvision.models.resnet import Bottleneck
    stem = 8
    layers, cin = [], stem
    for i, planes in enumerate([4, 8, 16, 32]):
        stride = 1 if i == 0 else 2
        down = nn.Sequential(nn.Conv2d(cin, planes * 4, 1, stride=stride, bias=False), nn.BatchNorm2d(planes * 4))
        layers.append(nn.Sequential(Bottleneck(cin, planes, stride=stride, downsample=down)))
        cin = planes * 4
    return nn.Sequential(nn.Conv2d(3, stem, 7, 2, 3, bias=False), nn.BatchNorm2d(stem), nn.ReLU(inplace=True),
                         nn.MaxPool2d(3, 2, 1), *layers), cin


class Detr(nn.Module):
    def __init__(self, name, tiny):
        super().__init__()
        enc = {"detr-resnet50-e3": 3, "detr-resnet50-e6": 6, "detr-resnet50-e12": 12}[name]
        if tiny:
            self.body, c5 = _tiny_resnet_body()
            d, heads, ffn, enc, dec, queries = 64, 2, 128, enc // 3, 2, 10
            self.input_shape = (1, 3, 64, 96)
        else:
            import torchvision
            r = torchvision.models.resnet50(weights=None)
            self.body = nn.Sequential(r.conv1, r.bn1, r.relu, r.maxpool, r.layer1, r.layer2, r.layer3, r.layer4)
            c5, d, heads, ffn, dec, queries = 2048, 256, 8, 2048, 6, 100
            self.input_shape = (1, 3, 800, 1333)
        self.position = PositionEmbeddingSine(d // 2)
        self.input_proj = nn.Conv2d(c5, d, 1)
        self.transformer = Transformer(d, heads, ffn, enc, dec)
        self.query_embed = nn.Embedding(queries, d)
        self.class_embed = nn.Linear(d, 92)
        self.bbox_embed = MLP(d, d, 4, 3)

    def forward(self, x):
        feat = self.body(x)
        # One image, no padding: the mask is all False, as DETR's NestedTensor gives for it.
        mask = torch.zeros((feat.shape[0], feat.shape[2], feat.shape[3]), dtype=torch.bool, device=x.device)
        pos = self.position(mask).to(feat.dtype)
        hs = self.transformer(self.input_proj(feat), pos, self.query_embed.weight)
        return self.class_embed(hs), self.bbox_embed(hs).sigmoid()


# ------------------------------------------------------------------------------- DETR (transformers)

class HfDetr(nn.Module):
    """transformers' DetrForObjectDetection with a random config and transformers' own ResNet-50
    backbone (microsoft/resnet-50's shape: bottlenecks, stride on the 3x3, no timm needed), built
    from a config in code; returns (logits, pred_boxes)."""

    def __init__(self, name, tiny):
        super().__init__()
        from transformers import DetrConfig, DetrForObjectDetection, ResNetConfig
        enc = {"detr-resnet50-e3": 3, "detr-resnet50-e6": 6, "detr-resnet50-e12": 12}[name]
        if tiny:
            backbone = ResNetConfig(num_channels=3, embedding_size=8, hidden_sizes=[16, 32, 64, 128],
                                    depths=[1, 1, 1, 1], layer_type="bottleneck", out_features=["stage4"])
            kw = dict(d_model=64, encoder_layers=enc // 3, decoder_layers=2, encoder_attention_heads=2,
                      decoder_attention_heads=2, encoder_ffn_dim=128, decoder_ffn_dim=128, num_queries=10)
            self.input_shape = (1, 3, 64, 96)
        else:
            backbone = ResNetConfig(num_channels=3, embedding_size=64, hidden_sizes=[256, 512, 1024, 2048],
                                    depths=[3, 4, 6, 3], layer_type="bottleneck", out_features=["stage4"])
            kw = dict(d_model=256, encoder_layers=enc, decoder_layers=6, encoder_attention_heads=8,
                      decoder_attention_heads=8, encoder_ffn_dim=2048, decoder_ffn_dim=2048, num_queries=100)
            self.input_shape = (1, 3, 800, 1333)
        kw.update(num_labels=91, auxiliary_loss=False, dropout=0.0, attention_dropout=0.0, activation_dropout=0.0,
                  backbone_config=backbone)
        # The backbone arguments changed across transformers releases; try the spellings in turn.
        attempts = [dict(use_timm_backbone=False, use_pretrained_backbone=False, backbone=None),
                    dict(use_timm_backbone=False, use_pretrained_backbone=False), dict()]
        errors = []
        for extra in attempts:
            try:
                config = DetrConfig(**kw, **extra)
                break
            except (TypeError, ValueError) as e:
                errors.append(f"{extra}: {e}")
        else:
            raise RuntimeError("cannot build a DetrConfig: " + " | ".join(errors))
        self.detr = DetrForObjectDetection(config)

    def forward(self, x):
        out = self.detr(pixel_values=x)
        return out.logits, out.pred_boxes


def build_detr(name, tiny, impl):
    model = HfDetr(name, tiny) if impl == "hf" else Detr(name, tiny)
    return model, model.input_shape, ["pred_logits", "pred_boxes"]


# ------------------------------------------------------------------------------------- weights

@torch.no_grad()
def randomize_norms(model, seed):
    """Norm layers near identity but not equal to it (so that a compiler that drops a BN or LN
    affine is caught), and the last BN of each residual branch small, as the C++ zoo does, which
    keeps a random ResNet-50's activations bounded in fp16."""
    g = torch.Generator().manual_seed(seed)

    def normal(t, mean, std):
        t.copy_(mean + std * torch.randn(t.shape, generator=g))

    for m in model.modules():
        cls = type(m).__name__
        if isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)) or "FrozenBatchNorm2d" in cls:
            if getattr(m, "weight", None) is not None:
                normal(m.weight, 1.0, 0.1)
            if getattr(m, "bias", None) is not None:
                normal(m.bias, 0.0, 0.05)
            if getattr(m, "running_mean", None) is not None:
                normal(m.running_mean, 0.0, 0.05)
                m.running_var.copy_(0.8 + 0.4 * torch.rand(m.running_var.shape, generator=g))
    for m in model.modules():
        last = None
        if hasattr(m, "bn3"):                         # torchvision and timm Bottleneck
            last = m.bn3
        elif type(m).__name__ == "ResNetBottleNeckLayer":   # transformers' ResNet
            last = m.layer[-1].normalization
        if last is not None and getattr(last, "weight", None) is not None:
            last.weight.mul_(0.3)


@torch.no_grad()
def randomize_zero_biases(model, seed):
    """Linear and conv biases that the library initialised to exactly zero (transformers' _init_weights
    zeroes every one) get small random values, as a trained checkpoint has. A zero bias is an exact
    no-op the compiler removes, which would make a random HF export a different (bias-free) model from
    any real one and from the zoo's."""
    g = torch.Generator().manual_seed(seed + 7)
    for m in model.modules():
        b = getattr(m, "bias", None)
        if isinstance(m, (nn.Linear, nn.Conv2d)) and b is not None and not bool(b.any()):
            b.copy_(0.02 * torch.randn(b.shape, generator=g))


def build(name, tiny=False, impl="torchvision", seed=0):
    if name.endswith("-hf"):
        name, impl = name[:-3], "hf"
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {', '.join(MODELS)} (ViT and DETR also as NAME-hf)")
    torch.manual_seed(seed)
    if name.startswith("vit-"):
        model, shape, outputs = build_vit(name, tiny, impl)
    elif name.startswith("setr-"):
        model, shape, outputs = build_setr(name, tiny)
    else:
        model, shape, outputs = build_detr(name, tiny, impl)
    randomize_norms(model, seed)
    randomize_zero_biases(model, seed)
    return model.eval(), shape, outputs


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
