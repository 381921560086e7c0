// Where `mlleaks datasets fetch` downloads each dataset from: the canonical sites, the published
// checksums (MD5 where that is all the publisher gives), and which files are archives to unpack.
export interface RemoteFile {
  readonly url: string;
  /** Name of the downloaded file inside the dataset's folder. */
  readonly file: string;
  readonly md5?: string;
  readonly sha256?: string;
  /** Size as published; checked before the checksum. */
  readonly bytes?: number;
  /** Unpack this .tar.gz into the dataset's folder after it is verified. */
  readonly extract?: "tar.gz";
}

export interface RemoteDataset {
  readonly name: string;
  readonly files: readonly RemoteFile[];
  /** Where the files come from, for `datasets list` and the provenance note. */
  readonly home: string;
  readonly licence: string;
  /** Set when there is no stable download: how to obtain the files by hand. */
  readonly manual?: string;
  /** The files a user places by hand (manual datasets); `fetch` then verifies and registers them. */
  readonly manualFiles?: readonly string[];
}

const MNIST = "https://storage.googleapis.com/cvdf-datasets/mnist/";
const FASHION = "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/";
const UCI_ADULT = "https://archive.ics.uci.edu/ml/machine-learning-databases/adult/";

export const REMOTE_SOURCES: readonly RemoteDataset[] = [
  {
    name: "mnist",
    home: "http://yann.lecun.com/exdb/mnist/ (Google's cvdf mirror; the original site no longer serves the files)",
    licence: "CC BY-SA 3.0 (Yann LeCun and Corinna Cortes)",
    files: [
      { url: `${MNIST}train-images-idx3-ubyte.gz`, file: "train-images-idx3-ubyte.gz", md5: "f68b3c2dcbeaaa9fbdd348bbdeb94873", bytes: 9912422 },
      { url: `${MNIST}train-labels-idx1-ubyte.gz`, file: "train-labels-idx1-ubyte.gz", md5: "d53e105ee54ea40749a09fcbcd1e9432", bytes: 28881 },
      { url: `${MNIST}t10k-images-idx3-ubyte.gz`, file: "t10k-images-idx3-ubyte.gz", md5: "9fb629c4189551a2d022fa330f9573f3", bytes: 1648877 },
      { url: `${MNIST}t10k-labels-idx1-ubyte.gz`, file: "t10k-labels-idx1-ubyte.gz", md5: "ec29112dd5afa0611ce80d1b7f02629c", bytes: 4542 },
    ],
  },
  {
    name: "fashion-mnist-full",
    home: "https://github.com/zalandoresearch/fashion-mnist",
    licence: "MIT (Zalando SE)",
    files: [
      { url: `${FASHION}train-images-idx3-ubyte.gz`, file: "train-images-idx3-ubyte.gz", md5: "8d4fb7e6c68d591d4c3dfef9ec88bf0d" },
      { url: `${FASHION}train-labels-idx1-ubyte.gz`, file: "train-labels-idx1-ubyte.gz", md5: "25c81989df183df01b3e8a0aad5dffbe" },
      { url: `${FASHION}t10k-images-idx3-ubyte.gz`, file: "t10k-images-idx3-ubyte.gz", md5: "bef4ecab320f06d8554ea6380940ec79" },
      { url: `${FASHION}t10k-labels-idx1-ubyte.gz`, file: "t10k-labels-idx1-ubyte.gz", md5: "bb300cfdad3c16e7a12a480ee83cd310" },
    ],
  },
  {
    name: "cifar10",
    home: "https://www.cs.toronto.edu/~kriz/cifar.html",
    licence: "no licence stated; free for research (Krizhevsky 2009)",
    files: [{ url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", file: "cifar-10-binary.tar.gz", md5: "c32a1d4ab5d03f1284b67883e8d87530", bytes: 170052171, extract: "tar.gz" }],
  },
  {
    name: "cifar100",
    home: "https://www.cs.toronto.edu/~kriz/cifar.html",
    licence: "no licence stated; free for research (Krizhevsky 2009)",
    files: [{ url: "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz", file: "cifar-100-binary.tar.gz", md5: "03b5dce01913d631647c71ecec9e9cb8", bytes: 168513733, extract: "tar.gz" }],
  },
  {
    name: "adult",
    home: "https://archive.ics.uci.edu/dataset/2/adult (no published checksum: the SHA-256 is recorded at download)",
    licence: "CC BY 4.0 (UCI Machine Learning Repository)",
    files: [
      { url: `${UCI_ADULT}adult.data`, file: "adult.data" },
      { url: `${UCI_ADULT}adult.test`, file: "adult.test" },
      { url: `${UCI_ADULT}adult.names`, file: "adult.names" },
    ],
  },
  {
    name: "purchase100",
    home: "https://www.comp.nus.edu.sg/~reza/files/ (Shokri et al.; no published checksum: the SHA-256 is recorded at download)",
    licence: "derived from Kaggle's Acquire Valued Shoppers data; research use",
    files: [{ url: "https://www.comp.nus.edu.sg/~reza/files/dataset_purchase.tgz", file: "dataset_purchase.tgz", extract: "tar.gz" }],
  },
  {
    name: "news20",
    home: "http://qwone.com/~jason/20Newsgroups/",
    licence: "no licence stated; widely redistributed for research",
    files: [{ url: "http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz", file: "20news-bydate.tar.gz", md5: "d6e9e45cb8cb77ec5276dfa6dfc14318", extract: "tar.gz" }],
  },
  {
    name: "location",
    home: "Shokri et al., Membership Inference Attacks against ML Models (S&P 2017): Foursquare check-ins, Bangkok",
    licence: "research use (the authors' release)",
    files: [],
    manual:
      "no stable download URL: obtain Shokri et al.'s Location file (label, then 446 binary features, comma separated) " +
      "from the authors and save it as <dir>/location/dataset_location, then run `mlleaks datasets fetch location` again to register it",
    manualFiles: ["dataset_location"],
  },
  {
    name: "lfw",
    home: "http://vis-www.cs.umass.edu/lfw/ via scikit-learn's fetch_lfw_people",
    licence: "research use (University of Massachusetts, Amherst)",
    files: [],
    manual:
      "the originals are JPEG folders; export scikit-learn's arrays once with Python: " +
      "from sklearn.datasets import fetch_lfw_people; import numpy as np; p = fetch_lfw_people(); " +
      "np.save('lfw_images.npy', p.images); np.save('lfw_labels.npy', p.target); " +
      "open('lfw_names.txt', 'w').write('\\n'.join(p.target_names)); then move the three files to <dir>/lfw/ and run `mlleaks datasets fetch lfw` again to register them",
    manualFiles: ["lfw_images.npy", "lfw_labels.npy", "lfw_names.txt"],
  },
];

export function remoteSource(name: string): RemoteDataset | undefined {
  return REMOTE_SOURCES.find((r) => r.name === name);
}
