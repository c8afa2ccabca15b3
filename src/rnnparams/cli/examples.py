"""The examples each command's --help ends with."""

EXAMPLES = {
    "count": """examples:
  rnnparams count "nn.LSTM(100, 256)"
  rnnparams count "nn.LSTM(100, 256, num_layers=2, bidirectional=True, proj_size=64)" --json
  rnnparams count "LSTM(256)" --framework keras --input-shape 35,100
  rnnparams count "SimpleRNN(3, input_shape=[50, 3]); Dense(1)"
  rnnparams count "Embedding(1000, 64); SimpleRNN(32)" --tensors
  rnnparams count model.json            (a spec file: .json, .yaml, .toml)
  rnnparams count model.py              (Keras / PyTorch code, read without running it: lists its models)
  rnnparams count model.py --model Encoder --set hidden_size=512 --set args.nlayers=3
  rnnparams count model.py::Encoder --emit-spec yaml
""",
}
EXAMPLES["explain"] = """examples:
  rnnparams explain "nn.LSTM(100, 256)"
  rnnparams explain "SimpleRNN(64, input_shape=[None, 100]); Dense(10)" --lang zh
  rnnparams explain "nn.GRU(128, 256, num_layers=2, bidirectional=True)" --format markdown
"""
EXAMPLES["formula"] = """examples:
  rnnparams formula "nn.LSTM(100, 256, num_layers=2, bidirectional=True)"
  rnnparams formula "Embedding(10000, 128); LSTM(256); Dense(10)" --latex
"""
EXAMPLES["check"] = """examples:
  rnnparams check "nn.LSTM(100, 256)" --claimed 1109312
  rnnparams check "LSTM(256, input_shape=(35, 100))" --claimed 366,592 --lang zh
exit status: 0 the claim is right, 1 it is wrong, 2 bad input
"""
EXAMPLES["compare"] = """examples:
  rnnparams compare "nn.GRU(128, 256, num_layers=2)"
  rnnparams compare "Embedding(1000, 64); GRU(32); Dense(2)" --frameworks keras,keras2,pytorch
"""
EXAMPLES["inspect"] = """examples:
  rnnparams inspect model.pt                   (torch.save: a state_dict or a whole nn.Module)
  rnnparams inspect model.safetensors --json
  rnnparams inspect model.keras                (also .h5 with h5py: pip install 'rnnparams[h5]')
  rnnparams inspect model.onnx
  rnnparams inspect model.pt --as-spec > model.json && rnnparams count model.json
nothing in the file is run: pickles go through a restricted unpickler that rebuilds tensor metadata only
"""
EXAMPLES["estimate"] = """examples:
  rnnparams estimate "nn.LSTM(100, 256)" --batch 32 --seq-len 50
  rnnparams estimate "nn.Embedding(10000, 128); nn.LSTM(128, 256, batch_first=True); nn.Linear(256, 10)" \\
      --batch 64 --seq-len 100 --optimizer adamw --dtype bfloat16 --mixed-precision
  rnnparams estimate "nn.GRU(64, 128, num_layers=2)" --batch 16 --seq-len 200 --mode inference --json
  rnnparams estimate "Sequential([Input((50, 3)), LSTM(64), Dense(1)])" --batch 32

definitions:
  MAC    one multiply-accumulate of a weight product: a (G·H, I) weight applied to one input vector is G·H·I
         MACs, so one step of a layer costs the sizes of its weight matrices (input, recurrent, projection,
         dense/conv kernels); an embedding lookup costs none.
  FLOPs  2 · MACs (1 MAC = 2 FLOPs) + one addition per bias number + the cell's elementwise work (gate
         nonlinearities, cell and hidden updates: LSTM 9·H, GRU 8·H, RNN 1·H per layer and direction and
         step; normalization, dropout, pooling per number), 1 FLOP per operation per number, so the count
         compares with hand derivations; backward op by op (weight gradients of trainable weights, input
         gradients where autograd needs them, bias gradients, the cell's elementwise backward).
  bytes  exact bytes, also in binary units (1 KiB = 1,024 B). Weights, gradients and optimizer state (Adam:
         exp_avg, exp_avg_sq and a 4-byte float32 `step` per parameter tensor; Keras: + 8 bytes) follow the
         counted tensors exactly; activations are what autograd keeps for backward, modelled per kernel path
         (--device cpu: oneDNN LSTM or PyTorch's step-by-step cells; cuda: cuDNN); with --mixed-precision,
         float16/bfloat16 weights, gradients and activations plus float32 master weights and optimizer state.
  total  the sum of every line, not a peak: a training step's measured CPU peak is 0.9-3x it, for the
         temporaries of the forward and backward kernels (docs/estimates.md, validate_memory.py --peaks).
"""
EXAMPLES["solve"] = """examples:
  rnnparams solve "nn.LSTM(100, 256, num_layers=2)" --vary hidden_size --params 10M
  rnnparams solve "Embedding(20000, 128); LSTM(256); Dense(10)" --vary lstm.units --params 5M --multiple-of 8
  rnnparams solve "nn.GRU(64, 512)" --vary batch --memory 8GiB --seq-len 200
  rnnparams solve "nn.LSTM(100, 256)" --vary hidden_size --flops 1T --batch 64 --seq-len 200 --json
  rnnparams solve "nn.LSTM(100, 256)" --vary num_layers --params 10M --smallest
every candidate is counted exactly; the answer is shown with the value just beyond it. Exit 2 when no value fits.
"""
EXAMPLES["sweep"] = """examples:
  rnnparams sweep "nn.LSTM(100, 256)" --vary hidden_size=64..1024:64
  rnnparams sweep "nn.LSTM(100, 256)" --vary hidden_size=64..512:64 --compare keras,keras2 --chart lstm.svg
  rnnparams sweep "nn.GRU(64, 128)" --vary seq_len=1,10,100,1000 --batch 32 --metric memory --csv
  rnnparams sweep "LSTM(64)" "GRU(64)" --framework keras --input-shape 50,8 --vary units=16..256:16 --json
"""
EXAMPLES["frameworks"] = """examples:
  rnnparams frameworks
  rnnparams frameworks --json
  rnnparams compare "nn.LSTM(100, 256)" --frameworks all
"""
EXAMPLES["serve"] = """examples:
  rnnparams serve                      (http://127.0.0.1:8000/: the calculator page and the JSON API)
  rnnparams serve --port 0             (any free port; the address is printed)
  curl -s localhost:8000/api/count -d '{"model": "nn.LSTM(100, 256)"}'
needs the web extra: pip install 'rnnparams[web]'
"""
